import { ApiProperty } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';

/** One check of terminus's answer: `up` or `down`, with what the check measured. */
const CHECK: SchemaObject = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'down'] } },
  additionalProperties: true,
};
const CHECKS = { type: 'object' as const, additionalProperties: CHECK };

/** `@nestjs/terminus`'s answer: the overall status, the checks that passed (`info`), failed (`error`), and all (`details`). */
export class HealthResponse {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] })
  status: 'ok' | 'error' | 'shutting_down';

  @ApiProperty({ ...CHECKS, example: { broker: { status: 'up' }, store: { status: 'up' } } })
  info: Record<string, { status: 'up' | 'down' }>;

  @ApiProperty({ ...CHECKS, example: {} })
  error: Record<string, { status: 'up' | 'down' }>;

  @ApiProperty({
    ...CHECKS,
    example: {
      broker: { status: 'up' },
      consumers: { status: 'up', queues: { 'cask.events': 'attached', 'cask.workers': 'attached' } },
      store: { status: 'up' },
      outbox: { status: 'up', backlog: 0, max: 10000 },
    },
  })
  details: Record<string, { status: 'up' | 'down' }>;
}
