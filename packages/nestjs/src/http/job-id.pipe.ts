import { isUuid } from '@cask/contracts';
import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailedException } from './validation-failed.exception';

/** 400 for an id that cannot be a job id, before any lookup. */
@Injectable()
export class JobIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new ValidationFailedException([{ field: 'id', reason: 'must be a UUID' }], 'Invalid job id');
    return value.toLowerCase();
  }
}
