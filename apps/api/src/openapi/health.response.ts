import { ApiProperty } from '@nestjs/swagger';
import type { Readiness } from '../health/health.controller';

const CHECK = { enum: ['up', 'down'] } as const;

/** The process answers. */
export class LivenessResponse {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

/** Unpublished jobs waiting in the outbox, and the bound past which dispatches answer 503. */
export class OutboxCheckResponse {
  @ApiProperty({ type: 'integer', example: 0 })
  backlog: number;

  @ApiProperty({ type: 'integer', example: 10000 })
  max: number;
}

export class ReadinessChecksResponse {
  @ApiProperty(CHECK)
  broker: 'up' | 'down';

  @ApiProperty(CHECK)
  event_consumer: 'up' | 'down';

  @ApiProperty(CHECK)
  store: 'up' | 'down';

  @ApiProperty({ type: () => OutboxCheckResponse })
  outbox: OutboxCheckResponse;
}

/** Whether the api can do its work now, and each check. */
export class ReadinessResponse implements Readiness {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status: 'ok' | 'unavailable';

  @ApiProperty({ type: () => ReadinessChecksResponse })
  checks: ReadinessChecksResponse;
}
