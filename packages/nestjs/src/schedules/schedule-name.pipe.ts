import { SCHEDULE_NAME, SCHEDULE_NAME_MAX_LENGTH } from '@cask/contracts';
import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailedException } from '../http/validation-failed.exception';

/** 400 for a path segment that cannot be a schedule name, before any lookup. */
@Injectable()
export class ScheduleNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (value.length > SCHEDULE_NAME_MAX_LENGTH || !SCHEDULE_NAME.test(value)) {
      throw new ValidationFailedException(
        [{ field: 'name', reason: 'must be lower-case dotted words, e.g. "reports.nightly"' }],
        'Invalid schedule name',
      );
    }
    return value;
  }
}
