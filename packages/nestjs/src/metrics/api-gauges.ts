import { AmqpConnection, QueueInspector } from '@cask/core';
import { registerBrokerMetrics } from '@cask/core';
import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { OutboxRelay } from '../outbox/outbox-relay';
import { DeadLetterStore } from '../store/dead-letter-store';
import { OutboxStore } from '../store/outbox-store';

/**
 * The api's gauges, read when Prometheus scrapes rather than kept up to date: the broker connection, the
 * outbox backlog, the dead letters stored, and the depth and consumers of each job queue, the dead-letter queue
 * and the event queue.
 */
export class ApiGauges implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ApiGauges.name);
  private readonly inspector: QueueInspector;

  constructor(
    registry: Registry,
    connection: AmqpConnection,
    stores: { outbox: OutboxStore; letters: DeadLetterStore },
    relay: OutboxRelay,
    inspector: QueueInspector,
  ) {
    const registers = [registry];
    const logger = this.logger;
    registerBrokerMetrics(registry, connection);
    new Gauge({
      name: 'cask_outbox_backlog',
      help: 'Job messages committed and not yet confirmed by the broker, delayed jobs not yet due left out (as readiness counts them)',
      registers,
      async collect() {
        try {
          this.set(await stores.outbox.outboxBacklog(Date.now() + relay.inlineLeaseMs));
        } catch (err) {
          // The last value stays; readiness reports the store down.
          logger.debug(`Outbox backlog not read: ${(err as Error).message}`);
        }
      },
    });
    new Gauge({
      name: 'cask_dead_letters',
      help: 'Dead letters stored, waiting for an operator to redrive or discard them, by reason',
      labelNames: ['reason'],
      registers,
      async collect() {
        try {
          const counts = await stores.letters.countByReason();
          this.reset();
          for (const [reason, count] of counts) this.set({ reason }, count);
        } catch (err) {
          logger.debug(`Dead letters not counted: ${(err as Error).message}`);
        }
      },
    });
    this.inspector = inspector;
    // Both gauges ask the inspector, which answers them from one round of questions to the broker.
    const fromBroker = (name: string, help: string, read: (stats: { messages: number; consumers: number }) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['queue'],
        registers,
        async collect() {
          const stats = await inspector.inspect();
          // A queue that did not answer (missing, broker away) is left out rather than shown with an old value.
          this.reset();
          for (const [queue, queueStats] of stats) this.set({ queue }, read(queueStats));
        },
      });
    fromBroker(
      'cask_queue_messages',
      'Messages ready in each job queue, the dead-letter queue and the event queue, by broker queue name',
      (s) => s.messages,
    );
    fromBroker(
      'cask_queue_consumers',
      'Consumers of each job queue, the dead-letter queue and the event queue, by broker queue name',
      (s) => s.consumers,
    );
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.inspector.close();
  }
}
