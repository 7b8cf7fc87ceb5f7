import { SCHEDULE_NAME, SCHEDULE_NAME_MAX_LENGTH } from '@cask/contracts';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { JobRequestDto } from '../http/create-job.dto';

/** Body of `POST /schedules`: the schedule, and the options each of its jobs is dispatched with. */
export class UpsertScheduleDto extends JobRequestDto {
  @JSONSchema({ description: 'Unique; posting an existing name replaces that schedule' })
  @IsString()
  @MaxLength(SCHEDULE_NAME_MAX_LENGTH)
  @Matches(SCHEDULE_NAME, { message: 'name must be lower-case dotted words, e.g. "reports.nightly"' })
  name: string;

  // Checked with its time zone after this DTO.
  @JSONSchema({ description: 'Five fields (minute hour day month weekday), or six with seconds first' })
  @IsString()
  @IsNotEmpty()
  cron: string;

  @JSONSchema({ description: 'IANA time zone the cron expression is read in' })
  @IsString()
  @IsNotEmpty()
  timezone: string = 'UTC';
}
