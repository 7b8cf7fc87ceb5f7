import { AmqpConnection, AmqpConsumer, ConfirmPublisher, Delivery, declareWorkersQueue, isAuthentic, publishDeadLetter } from '@cask/core';
import { CaskTopology, ErrorCode, MessageSigner, WorkerHeartbeat, decodeHeartbeat } from '@cask/contracts';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobMetrics } from '../metrics/job-metrics';
import { withinGrace } from '../shutdown/within-grace';
import { CaskSigning } from '../cask-signing';
import { CASK_TOPOLOGY } from '../tokens';
import { WorkerRegistry } from './worker-registry';
import { WorkersOptions } from './workers.options';

/** Heartbeats taken at once; they are applied one by one, in order. */
const PREFETCH = 20;

/**
 * Applies worker heartbeats to the worker registry: a heartbeat records the worker as seen now, a
 * goodbye forgets it. One api instance consumes at a time (the queue has a single active consumer) and
 * applies heartbeats in the order they came, so a goodbye is never undone by the heartbeat before it.
 */
@Injectable()
export class HeartbeatConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HeartbeatConsumer.name);
  private consumer?: AmqpConsumer;
  private applying: Promise<void> = Promise.resolve();
  private stopping = false;

  private readonly signer?: MessageSigner;

  constructor(
    private readonly connection: AmqpConnection,
    /** For dead letters. */
    private readonly publisher: ConfirmPublisher,
    @Inject(CASK_TOPOLOGY) private readonly topology: CaskTopology,
    private readonly registry: WorkerRegistry,
    private readonly options: WorkersOptions,
    private readonly metrics: JobMetrics,
    signing: CaskSigning,
  ) {
    this.signer = signing.signer;
  }

  /** True while its consumer is registered with the broker (for readiness). */
  get isAttached(): boolean {
    return this.consumer?.isAttached ?? false;
  }

  onApplicationBootstrap(): void {
    const { connection, topology } = this;
    this.consumer = new AmqpConsumer(connection, {
      queue: topology.workersQueue,
      prefetch: PREFETCH,
      declare: (channel) => declareWorkersQueue(channel, topology),
      onMessage: (delivery) => {
        // Chained, so heartbeats apply in the order they came; a failure must not stop the chain.
        this.applying = this.applying
          .then(() => this.apply(delivery))
          .catch((err: Error) => this.logger.error(`Applying a heartbeat failed: ${err.message}`, err.stack));
      },
    });
    // Not awaited: the api serves while the broker is away, like the job event consumer.
    void this.consumer.start();
  }

  /** Stops taking heartbeats and lets the one being applied finish; the rest return to the queue. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.consumer?.cancel();
    await withinGrace(this.applying, this.options.shutdownGraceMs);
    await this.consumer?.stop();
  }

  private async apply(delivery: Delivery): Promise<void> {
    if (!isAuthentic(this.signer, delivery.message)) {
      this.metrics.forged('heartbeat');
      return this.deadLetter(delivery, ErrorCode.Unauthentic, 'missing or invalid x-cask-signature');
    }
    const decoded = decodeHeartbeat(delivery.message.content);
    if (!decoded.ok) return this.deadLetter(delivery, decoded.code, decoded.reason);
    for (let delay = 100; !this.stopping; delay = Math.min(delay * 2, 5_000)) {
      try {
        await this.write(decoded.value);
        delivery.ack();
        return;
      } catch (err) {
        if (this.stopping) break;
        this.logger.warn(`Worker registry unavailable (${(err as Error).message}); retrying a heartbeat in ${delay} ms`);
        await sleep(delay);
      }
    }
    // Shutting down: left unacknowledged, it goes back to the queue for the next api instance.
  }

  private async write(heartbeat: WorkerHeartbeat): Promise<void> {
    if (!heartbeat.stopping) return this.registry.record(heartbeat, Date.now());
    await this.registry.forget(heartbeat.worker_id);
    this.logger.log(`Worker ${heartbeat.worker_id} (${heartbeat.host}, pid ${heartbeat.pid}) said goodbye`);
  }

  private async deadLetter(delivery: Delivery, code: string, detail: string): Promise<void> {
    this.logger.warn(`Dead-lettering a heartbeat message (${code}: ${detail})`);
    try {
      await publishDeadLetter(this.publisher, this.topology, delivery.message, this.topology.workersQueue, { code, detail });
      delivery.ack();
    } catch (err) {
      // Without a confirmed copy, reject it (dropped: the queue has no dead-letter exchange) rather than loop on it.
      this.logger.error(`Could not publish the dead letter (${(err as Error).message}); rejecting the heartbeat instead`);
      delivery.nack(false);
    }
  }
}
