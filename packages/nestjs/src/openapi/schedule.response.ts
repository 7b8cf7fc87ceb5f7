import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ScheduleOptionsWire, ScheduleSource } from '../schedules/schedule-record';
import type { ScheduleDetailView, ScheduleView } from '../schedules/schedule-view.mapper';

const AT = '2026-11-29T03:00:00.000Z';

/** Backoff between attempts, as HTTP spells it. */
export class BackoffResponse {
  @ApiProperty({ enum: ['fixed', 'exponential'] })
  type: 'fixed' | 'exponential';

  @ApiProperty({ type: 'integer', example: 1000 })
  base_ms: number;

  @ApiProperty({ type: 'integer', example: 300000 })
  cap_ms: number;

  @ApiProperty({ example: 0.2 })
  jitter: number;
}

/** The options each of a schedule's jobs is dispatched with; absent ones are the job type's. */
export class ScheduleOptionsResponse implements ScheduleOptionsWire {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 9 })
  priority?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100 })
  max_attempts?: number;

  @ApiPropertyOptional({ type: () => BackoffResponse })
  backoff?: BackoffResponse;

  @ApiPropertyOptional({ type: 'integer', minimum: 1 })
  timeout_ms?: number;
}

/** A schedule as `GET /schedules` lists it. */
export class ScheduleResponse implements ScheduleView {
  @ApiProperty({ example: 'reports.nightly' })
  name: string;

  @ApiProperty({ example: '0 3 * * *' })
  cron: string;

  @ApiProperty({ description: 'IANA time zone the cron expression is read in', example: 'Europe/London' })
  timezone: string;

  @ApiProperty({ description: 'The job type each tick dispatches', example: 'email.welcome' })
  type: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The payload of each job, valid for `type`',
    example: { email: 'ada@example.com', name: 'Ada Lovelace' },
  })
  payload: object;

  @ApiProperty({ type: () => ScheduleOptionsResponse })
  options: ScheduleOptionsResponse;

  @ApiProperty()
  paused: boolean;

  @ApiProperty({
    enum: ['api', 'code'],
    description: '`code`: declared in code (`schedules` of CaskModule); only pause and resume work over HTTP',
  })
  source: ScheduleSource;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'The tick that fires next; null while paused',
    example: AT,
  })
  next_run_at: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'The last tick that fired' })
  last_run_at: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

/** One schedule with its upcoming ticks. */
export class ScheduleDetailResponse extends ScheduleResponse implements ScheduleDetailView {
  @ApiProperty({ type: 'string', format: 'date-time', isArray: true, description: 'The next five ticks; none while paused', example: [AT] })
  next_runs: string[];
}

/** Every schedule, by name. */
export class ScheduleListResponse {
  @ApiProperty({ type: [ScheduleResponse] })
  items: ScheduleResponse[];
}
