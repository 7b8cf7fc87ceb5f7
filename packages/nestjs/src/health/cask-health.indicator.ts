import { AmqpConnection, AmqpHealthIndicator } from '@cask/core';
import type { CaskTopology } from '@cask/contracts';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { JobEventConsumer } from '../events/job-event.consumer';
import { OutboxRelay } from '../outbox/outbox-relay';
import { OutboxRelayOptions } from '../outbox/outbox-relay.options';
import { CaskDatabase } from '../store/cask-database';
import { OutboxStore } from '../store/outbox-store';
import { InjectTopology } from '../tokens';
import { HeartbeatConsumer } from '../workers/heartbeat.consumer';

/**
 * Cask's readiness checks as terminus indicators, for the host's own health check:
 *
 * ```ts
 * @Get('ready') @HealthCheck()
 * ready() {
 *   return this.health.check([() => this.cask.broker(), () => this.cask.consumers(), () => this.cask.store(), () => this.cask.outbox()]);
 * }
 * ```
 */
@Injectable()
export class CaskHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly amqp: AmqpHealthIndicator,
    private readonly connection: AmqpConnection,
    private readonly events: JobEventConsumer,
    private readonly heartbeats: HeartbeatConsumer,
    private readonly database: CaskDatabase,
    private readonly outboxStore: OutboxStore,
    private readonly relay: OutboxRelay,
    private readonly outboxOptions: OutboxRelayOptions,
    @InjectTopology() private readonly topology: CaskTopology,
  ) {}

  /** `broker`: up while connected to RabbitMQ. */
  broker(): HealthIndicatorResult<'broker'> {
    return this.amqp.broker(this.connection);
  }

  /** `consumers`: up while the consumers of worker events and heartbeats are attached. */
  consumers(): HealthIndicatorResult<'consumers'> {
    return this.amqp.consumers([
      { queue: this.topology.eventsQueue, isAttached: this.events.isAttached },
      { queue: this.topology.workersQueue, isAttached: this.heartbeats.isAttached },
    ]);
  }

  /** `store`: up while the job store answers. */
  async store(): Promise<HealthIndicatorResult<'store'>> {
    const check = this.indicators.check('store');
    try {
      await this.database.ping();
      return check.up();
    } catch {
      return check.down({ message: 'The job store does not answer' });
    }
  }

  /**
   * `outbox`: up while it holds fewer messages than `outbox.maxBacklog`. Delayed jobs waiting for their
   * time are not a backlog; fresh dispatches waiting for their confirm are.
   */
  async outbox(): Promise<HealthIndicatorResult<'outbox'>> {
    const check = this.indicators.check('outbox');
    const max = this.outboxOptions.maxBacklog;
    let backlog: number;
    try {
      backlog = await this.outboxStore.outboxBacklog(Date.now() + this.relay.inlineLeaseMs);
    } catch {
      return check.down({ message: 'The job store does not answer', max });
    }
    return backlog < max ? check.up({ backlog, max }) : check.down({ backlog, max });
  }
}
