import { ApiProperty } from '@nestjs/swagger';
import type { QueueKind, QueueView, SystemView } from '../system/system-status';

/** One broker queue. */
export class QueueResponse implements QueueView {
  @ApiProperty({ description: 'The job queue’s name in the definitions, or `dead-letter` / `events`', example: 'default' })
  name: string;

  @ApiProperty({ enum: ['jobs', 'dead-letter', 'events'], example: 'jobs' })
  kind: QueueKind;

  @ApiProperty({ description: 'Its name on the broker, namespace included', example: 'cask.jobs.default' })
  broker_queue: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 0,
    example: 37,
    description: 'Messages ready for delivery; null when the broker did not answer',
  })
  messages: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 0,
    example: 2,
    description: 'Consumers attached; null when the broker did not answer',
  })
  consumers: number | null;

  @ApiProperty({
    type: 'boolean',
    nullable: true,
    example: true,
    description: 'For a job queue, whether its jobs now share messages (every live worker of it reads packs); null for the others',
  })
  packs: boolean | null;
}

/** `GET /system`: the deployment every tenant shares. */
export class SystemResponse implements SystemView {
  @ApiProperty({ example: true })
  broker_connected: boolean;

  @ApiProperty({ type: [QueueResponse], description: 'Every job queue, then the dead-letter and the event queue' })
  queues: QueueResponse[];

  @ApiProperty({ type: 'integer', minimum: 0, example: 2, description: 'Workers heard from within the workers timeout (15 s by default)' })
  workers_online: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 0,
    description: 'Messages committed and not yet confirmed by the broker; delayed jobs not yet due left out',
  })
  outbox_backlog: number;
}
