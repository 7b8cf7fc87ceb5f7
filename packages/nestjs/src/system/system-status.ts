import { AmqpConnection, QueueInspector } from '@cask/core';
import { CaskTopology, JobCatalogue } from '@cask/contracts';
import { Injectable } from '@nestjs/common';
import { OutboxRelay } from '../outbox/outbox-relay';
import { PackGate } from '../outbox/pack-gate';
import { OutboxStore } from '../store/outbox-store';
import { InjectTopology } from '../tokens';
import { WorkerRegistry } from '../workers/worker-registry';
import { WorkersOptions } from '../workers/workers.options';

/** What a queue is for. */
export type QueueKind = 'jobs' | 'dead-letter' | 'events';

/** One broker queue as `GET /system` shows it; counts are null when the broker did not answer for it. */
export interface QueueView {
  /** The job queue's name in the definitions (`default`, `video`), or `dead-letter` / `events`. */
  name: string;
  kind: QueueKind;
  /** The queue's name on the broker, namespace included. */
  broker_queue: string;
  /** Messages ready for delivery. */
  messages: number | null;
  consumers: number | null;
  /** For a job queue: whether its jobs now share messages (every live worker of it reads packs); null otherwise. */
  packs: boolean | null;
}

/** `GET /system`: the deployment every tenant shares. */
export interface SystemView {
  broker_connected: boolean;
  queues: QueueView[];
  /** Workers heard from within `workers.timeoutMs`. */
  workers_online: number;
  /** Messages committed and not yet confirmed by the broker, delayed jobs not yet due left out. */
  outbox_backlog: number;
}

/**
 * The broker's queues, the workers and the outbox, as the dashboard's tiles show them. Queue counts come
 * from the {@link QueueInspector} the metrics use, so the broker is asked at most once a second in all.
 */
@Injectable()
export class SystemStatus {
  constructor(
    private readonly inspector: QueueInspector,
    private readonly connection: AmqpConnection,
    private readonly store: OutboxStore,
    private readonly relay: OutboxRelay,
    private readonly workers: WorkerRegistry,
    private readonly options: WorkersOptions,
    @InjectTopology() private readonly topology: CaskTopology,
    private readonly catalogue: JobCatalogue,
    private readonly gate: PackGate,
  ) {}

  private queues(): Array<Pick<QueueView, 'name' | 'kind' | 'broker_queue'>> {
    return [
      ...this.catalogue.queues().map((name) => ({ name, kind: 'jobs' as const, broker_queue: this.topology.jobQueue(name) })),
      { name: 'dead-letter', kind: 'dead-letter', broker_queue: this.topology.deadLetterQueue },
      { name: 'events', kind: 'events', broker_queue: this.topology.eventsQueue },
    ];
  }

  async read(now = Date.now()): Promise<SystemView> {
    const [stats, workers, backlog] = await Promise.all([
      this.inspector.inspect(),
      this.workers.heardSince(now - this.options.timeoutMs),
      this.store.outboxBacklog(now + this.relay.inlineLeaseMs),
    ]);
    return {
      broker_connected: this.connection.isConnected,
      queues: this.queues().map((queue) => {
        const answer = stats.get(queue.broker_queue);
        const packs = queue.kind === 'jobs' ? this.gate.allows(queue.name) : null;
        return { ...queue, messages: answer?.messages ?? null, consumers: answer?.consumers ?? null, packs };
      }),
      workers_online: workers.length,
      outbox_backlog: backlog,
    };
  }
}
