import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Backoff between attempts, as `POST /jobs` takes it. */
export class BackoffDto {
  @IsIn(['fixed', 'exponential'])
  type: 'fixed' | 'exponential';

  @JSONSchema({ description: 'Wait before the first retry; `exponential` doubles it each attempt' })
  @IsInt()
  @Min(0)
  @Max(DAY_MS)
  base_ms: number;

  @JSONSchema({ description: 'Longest wait; at least `base_ms`' })
  @IsInt()
  @Min(0)
  @Max(DAY_MS)
  cap_ms: number;

  @JSONSchema({ description: 'Spread as a fraction of the wait: 0.2 means ±20 %' })
  @IsNumber()
  @Min(0)
  @Max(1)
  jitter: number = 0.2;
}

/** A job to dispatch with its options: what `POST /jobs`, batch items and schedules have in common. */
export class JobRequestDto {
  @JSONSchema({ description: 'A job type, e.g. `email.welcome`' })
  @IsString()
  @IsNotEmpty()
  type: string;

  @JSONSchema({ description: 'Checked against the job type’s payload rules before anything is stored' })
  @IsObject()
  payload: Record<string, unknown>;

  @JSONSchema({ description: '0 (lowest) to 9 (highest), overriding the job type’s' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(9)
  priority?: number;

  @JSONSchema({ description: 'Attempts in all, the first included, overriding the job type’s' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  max_attempts?: number;

  @JSONSchema({ description: 'Replaces the job type’s backoff whole' })
  @IsOptional()
  @ValidateNested()
  @Type(() => BackoffDto)
  backoff?: BackoffDto;

  @JSONSchema({ description: 'How long one attempt may run, overriding the job type’s' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(DAY_MS)
  timeout_ms?: number;
}

/** A dispatch's unique key, each field overriding the job type's `unique`. */
export class UniqueDto {
  @JSONSchema({ description: '`drop` (default), `throttle` or `debounce`: what a second dispatch with the key does' })
  @IsOptional()
  @IsIn(['drop', 'throttle', 'debounce'])
  mode?: 'drop' | 'throttle' | 'debounce';

  @JSONSchema({ description: 'Payload fields (dotted paths) whose values make the key; default: the whole payload' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  by?: string[];

  @JSONSchema({ description: 'The key itself, instead of payload fields' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  key?: string;

  @JSONSchema({ description: 'The window in ms (up to 30 days): required for `throttle` and `debounce`' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(30 * DAY_MS)
  for_ms?: number;
}

/** Body of `POST /jobs`. */
export class CreateJobDto extends JobRequestDto {
  @JSONSchema({
    description:
      'Deduplicates by a key: while the job holding it counts (waiting or running for `drop`, its window for `throttle` and `debounce`), the dispatch becomes that job',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => UniqueDto)
  unique?: UniqueDto;

  @JSONSchema({
    description:
      'The group the job shares its queue with, instead of the job type’s `group.by` payload field: its jobs run within the type’s group limits (concurrency, rate, fifo), and the queue’s groups take turns',
    example: 'customer-42',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  group?: string;

  @JSONSchema({ description: 'Run no sooner than this many ms from now (up to 30 days); the job is `scheduled` until then' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * DAY_MS)
  delay_ms?: number;

  @JSONSchema({ description: 'Run no sooner than this time (ISO 8601, at most 30 days ahead); not with `delay_ms`' })
  @IsOptional()
  @IsISO8601({ strict: true })
  run_at?: string;
}

/** A batch's callback on `POST /jobs/batch`: the job that runs once every job of the batch has finished. */
export class BatchCallbackDto extends JobRequestDto {
  @JSONSchema({ description: 'The group it shares its queue with, as on `POST /jobs`' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  group?: string;
}

/** Body of `POST /jobs/batch`: 1 to 1,000 jobs, all valid or none stored. */
export class CreateJobBatchDto {
  @IsArray()
  @ArrayMinSize(1, { message: 'must hold at least one job' })
  @ArrayMaxSize(1000, { message: 'must hold at most 1000 jobs' })
  @ValidateNested({ each: true })
  @Type(() => CreateJobDto)
  jobs: CreateJobDto[];

  @JSONSchema({
    description:
      'A job to run once every job of the batch has finished, whatever their outcomes; it reads their counts in `ctx.batch`. Not with `unique` or delays on the batch’s jobs',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => BatchCallbackDto)
  callback?: BatchCallbackDto;
}

/** Body of `POST /jobs/retry`: at least one filter. */
export class RetryJobsDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  type?: string;

  @IsOptional()
  @IsIn(['failed', 'cancelled'])
  status?: 'failed' | 'cancelled';
}
