import { ApiProperty } from '@nestjs/swagger';
import type { ActivityView, MinuteView } from '../activity/activity-view.mapper';

const count = (example: number) => ({ type: 'integer' as const, minimum: 0, example });

/** Jobs that finished in one minute. */
export class MinuteResponse implements MinuteView {
  @ApiProperty({ format: 'date-time', description: 'The minute’s start', example: '2026-11-28T19:40:00.000Z' })
  at: string;

  @ApiProperty(count(118))
  succeeded: number;

  @ApiProperty(count(3))
  failed: number;
}

/** Percentiles of how long jobs ran, from `started_at` to `finished_at`. */
export class DurationResponse {
  @ApiProperty({
    ...count(4210),
    description: 'Jobs the percentiles are computed over: those finished in the window, the latest 10,000 at most',
  })
  jobs: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 0,
    example: 140,
    description: 'Median, in ms (nearest rank); null without jobs',
  })
  p50: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 0,
    example: 2210,
    description: '95th percentile, in ms (nearest rank); null without jobs',
  })
  p95: number | null;
}

/** The queued job that has waited longest. */
export class OldestQueuedResponse {
  @ApiProperty({ format: 'date-time', description: 'When it became queued (dispatched, due, or redriven)' })
  since: string;

  @ApiProperty({ ...count(5300), description: 'How long it has waited, in ms' })
  age_ms: number;
}

/** `GET /stats/activity`: the caller's last hour. */
export class ActivityResponse implements ActivityView {
  @ApiProperty({ format: 'date-time', description: 'Start of the first minute' })
  from: string;

  @ApiProperty({ type: [MinuteResponse], description: '60 minutes, oldest first; the last is the current one, still counting' })
  minutes: MinuteResponse[];

  @ApiProperty({ type: () => DurationResponse })
  duration_ms: DurationResponse;

  @ApiProperty({ type: () => OldestQueuedResponse, nullable: true, description: 'null when no job is queued' })
  oldest_queued: OldestQueuedResponse | null;
}
