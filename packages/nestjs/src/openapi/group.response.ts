import { ApiProperty } from '@nestjs/swagger';

const count = (example: number, description: string) => ({ type: 'integer' as const, minimum: 0, example, description });

/** A group's rate limit. */
export class GroupRateResponse {
  @ApiProperty({ type: 'integer', example: 10 })
  limit: number;

  @ApiProperty({ type: 'integer', example: 60000, description: 'The window, in ms' })
  per_ms: number;
}

/** One group of a queue: its limits and what waits and runs. */
export class GroupResponse {
  @ApiProperty({ example: 'webhooks' })
  queue: string;

  @ApiProperty({ example: 'customer-42' })
  key: string;

  @ApiProperty(count(120, 'Jobs waiting for the group to let them go'))
  waiting: number;

  @ApiProperty(count(2, 'Jobs let go and not finished: in the broker, running, or waiting to retry'))
  active: number;

  @ApiProperty(count(2, 'Jobs let go within the rate window (0 without a rate limit)'))
  recent: number;

  @ApiProperty({ type: 'integer', nullable: true, example: 2, description: 'At most this many active; null: no cap but the turns' })
  concurrency: number | null;

  @ApiProperty({ type: () => GroupRateResponse, nullable: true })
  rate: GroupRateResponse | null;

  @ApiProperty({ example: false, description: 'One at a time, in dispatch order' })
  fifo: boolean;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When a job of it was last let go' })
  last_released_at: string | null;
}

/** `GET /groups`. */
export class GroupPageResponse {
  @ApiProperty({ type: [GroupResponse] })
  items: GroupResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  next_cursor: string | null;
}
