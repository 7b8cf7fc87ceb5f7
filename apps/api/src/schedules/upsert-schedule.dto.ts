import { SCHEDULE_NAME, SCHEDULE_NAME_MAX_LENGTH } from '@cask/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { BackoffDto } from '../http/create-job.dto';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Body of `POST /schedules`: the schedule, and the options each of its jobs is dispatched with. */
export class UpsertScheduleDto {
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

  /** A job name, e.g. `email.welcome`. */
  @IsString()
  @IsNotEmpty()
  type: string;

  /** Checked against the job type's payload class before anything is stored. */
  @IsObject()
  payload: Record<string, unknown>;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(9)
  priority?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  max_attempts?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => BackoffDto)
  backoff?: BackoffDto;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(DAY_MS)
  timeout_ms?: number;
}
