import { AmqpConnection } from '@cask/amqp';
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiConfig } from '../config/api-config';
import { JobEventConsumer } from '../events/job-event.consumer';
import { LivenessResponse, ReadinessResponse } from '../openapi/health.response';
import { OutboxRelay } from '../outbox/outbox-relay';
import { JobStore } from '../store/job-store';

type Check = 'up' | 'down';

/** What `GET /health/ready` reports. */
export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: { broker: Check; event_consumer: Check; store: Check; outbox: { backlog: number; max: number } };
}

/** Liveness (the process answers) and readiness (it can do its work now), for orchestrators. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly connection: AmqpConnection,
    private readonly events: JobEventConsumer,
    private readonly store: JobStore,
    private readonly config: ApiConfig,
    private readonly relay: OutboxRelay,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessResponse })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 only while connected to the broker with the event consumer attached, the store reachable and the outbox under its bound. */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: broker connected, event consumer attached, store reachable, outbox under its bound' })
  @ApiOkResponse({ type: ReadinessResponse, description: 'Ready' })
  @ApiServiceUnavailableResponse({ type: ReadinessResponse, description: 'Not ready: `checks` names what is down' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<Readiness> {
    const storeUp = await this.store.ping().then(
      () => true,
      () => false,
    );
    const backlog = storeUp ? await this.store.outboxBacklog(Date.now() + this.relay.inlineLeaseMs) : 0;
    const checks = {
      broker: this.connection.isConnected ? 'up' : 'down',
      event_consumer: this.events.isAttached ? 'up' : 'down',
      store: storeUp ? 'up' : 'down',
      outbox: { backlog, max: this.config.outboxMaxBacklog },
    } as const;
    const ok = checks.broker === 'up' && checks.event_consumer === 'up' && storeUp && backlog < this.config.outboxMaxBacklog;
    if (!ok) response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }
}
