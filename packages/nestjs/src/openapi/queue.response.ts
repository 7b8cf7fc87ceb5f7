import { ApiProperty } from '@nestjs/swagger';

const count = (example: number) => ({ type: 'integer' as const, minimum: 0, example });

/** A queue paused or resumed. */
export class QueueStateResponse {
  @ApiProperty({ example: 'video' })
  queue: string;

  @ApiProperty({ example: true })
  paused: boolean;

  @ApiProperty({ format: 'date-time', description: 'When it was paused or resumed' })
  changed_at: string;
}

/** One job queue: its state, what waits and runs, and how fast it moves. */
export class QueueResponse {
  @ApiProperty({ example: 'video' })
  queue: string;

  @ApiProperty({ example: false, description: 'Workers start none of its jobs while paused' })
  paused: boolean;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Last paused or resumed; null if never' })
  changed_at: string | null;

  @ApiProperty({
    ...count(3),
    nullable: true,
    description: 'Messages ready in the broker (a pack counts once); null when the broker did not answer',
  })
  broker_messages: number | null;

  @ApiProperty(count(12))
  queued: number;

  @ApiProperty(count(0))
  scheduled: number;

  @ApiProperty(count(2))
  running: number;

  @ApiProperty(count(1))
  retrying: number;

  @ApiProperty({ ...count(48), description: 'Jobs finished (succeeded or failed) in the last minute' })
  finished_per_minute: number;

  @ApiProperty({ ...count(35), nullable: true, description: 'Median wait from due to start, of jobs started in the last minute' })
  wait_p50_ms: number | null;

  @ApiProperty({ ...count(180), nullable: true, description: '95th percentile of the same' })
  wait_p95_ms: number | null;
}

/** `GET /queues`. */
export class QueueListResponse {
  @ApiProperty({ type: [QueueResponse] })
  items: QueueResponse[];
}
