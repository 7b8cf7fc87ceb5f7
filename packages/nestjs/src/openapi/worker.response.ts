import { ApiProperty } from '@nestjs/swagger';
import type { WorkerView } from '../workers/worker-view';
import type { WorkerList } from '../workers/worker-view';

/** A worker that sent a heartbeat lately. */
export class WorkerResponse implements WorkerView {
  @ApiProperty({ example: 'devbox-48211' })
  id: string;

  @ApiProperty({ example: 'devbox' })
  host: string;

  @ApiProperty({ type: 'integer', example: 48211 })
  pid: number;

  @ApiProperty({ type: 'string', isArray: true, description: 'Job queues it consumes', example: ['default', 'video'] })
  queues: string[];

  @ApiProperty({ type: 'integer', description: 'Jobs it runs at once, at most', example: 10 })
  concurrency: number;

  @ApiProperty({ type: 'integer', description: 'Jobs it ran at its last heartbeat', example: 2 })
  in_flight: number;

  @ApiProperty({ format: 'date-time' })
  started_at: string;

  @ApiProperty({ format: 'date-time', description: 'When the api last heard from it' })
  last_seen: string;
}

/** Workers heard from within `workers.timeoutMs`. */
export class WorkerListResponse implements WorkerList {
  @ApiProperty({ type: [WorkerResponse] })
  items: WorkerResponse[];
}
