import { SCHEDULE_NAME, SCHEDULE_NAME_MAX_LENGTH } from '@cask/contracts';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { JobRequestDto } from '../http/create-job.dto';

/** Body of `POST /schedules`: the schedule, and the options each of its jobs is dispatched with. */
export class UpsertScheduleDto extends JobRequestDto {
  /** Unique; posting an existing name replaces that schedule. */
  @IsString()
  @MaxLength(SCHEDULE_NAME_MAX_LENGTH)
  @Matches(SCHEDULE_NAME, { message: 'name must be lower-case dotted words, e.g. "reports.nightly"' })
  name: string;

  /** Five fields, or six with seconds first; checked with its time zone after this DTO. */
  @IsString()
  @IsNotEmpty()
  cron: string;

  /** IANA time zone the cron expression is read in. */
  @IsString()
  @IsNotEmpty()
  timezone: string = 'UTC';
}
