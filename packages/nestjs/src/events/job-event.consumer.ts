import {
  AmqpConnection,
  AmqpConsumer,
  CaskAttributes,
  ConfirmPublisher,
  Delivery,
  MessagingAttributes,
  contextOfCarrier,
  declareEventQueue,
  endSpan,
  isAuthentic,
  publishDeadLetter,
  retryWithBackoff,
  startMessagingSpan,
} from '@cask/core';
import type { Span } from '@opentelemetry/api';
import { CaskTopology, ErrorCode, JobEvent, MessageSigner, StoreUnavailableError, decodeEvents } from '@cask/contracts';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CaskSigning } from '../cask-signing';
import { CASK_TOPOLOGY } from '../tokens';
import { JobEventConsumerOptions } from './job-event-consumer.options';
import { JobMetrics } from '../metrics/job-metrics';
import { withinGrace } from '../shutdown/within-grace';
import { CaskDatabase } from '../store/cask-database';
import { JobStore } from '../store/job-store';
import { JobEventBus } from './job-event-bus';

interface Pending {
  delivery: Delivery;
  events: JobEvent[];
}

/**
 * Applies worker events to the job store. Messages are grouped: one transaction per group, and each
 * message is acked only after the transaction that applied it committed, so a crash loses nothing and
 * a redelivered event is a no-op.
 */
@Injectable()
export class JobEventConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobEventConsumer.name);
  private readonly consumer: AmqpConsumer;
  private pending: Pending[] = [];
  private flushing?: Promise<void>;
  private scheduled = false;
  private stopping = false;
  private readonly signer?: MessageSigner;

  constructor(
    connection: AmqpConnection,
    private readonly store: JobStore,
    private readonly database: CaskDatabase,
    private readonly publisher: ConfirmPublisher,
    @Inject(CASK_TOPOLOGY) private readonly topology: CaskTopology,
    private readonly config: JobEventConsumerOptions,
    private readonly bus: JobEventBus,
    private readonly metrics: JobMetrics,
    signing: CaskSigning,
  ) {
    this.signer = signing.signer;
    this.consumer = new AmqpConsumer(connection, {
      queue: topology.eventsQueue,
      prefetch: config.batchSize,
      declare: (channel) => declareEventQueue(channel, topology),
      onMessage: (delivery) => this.receive(delivery),
    });
  }

  get isAttached(): boolean {
    return this.consumer.isAttached;
  }

  onApplicationBootstrap(): void {
    if (!this.signer) {
      this.logger.warn(
        'No signing keys are set: messages are not signed, so anyone allowed to publish on the vhost can run jobs and forge their results',
      );
    }
    // Not awaited: the api serves (and answers 503 to dispatches) while the broker is still away.
    void this.consumer.start();
  }

  /** Stops taking events, lets the group being written commit (within the grace period), then closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.consumer.cancel();
    await withinGrace(this.flushing, this.config.shutdownGraceMs);
    // Events received but not written stay unacked; closing the channel returns them to the queue.
    await this.consumer.stop();
  }

  private receive(delivery: Delivery): void {
    if (!isAuthentic(this.signer, delivery.message)) {
      // Not from a worker holding the keys: never applied, kept for inspection, counted.
      this.metrics.forged('event');
      void this.deadLetter(delivery, ErrorCode.Unauthentic, 'missing or invalid x-cask-signature');
      return;
    }
    const decoded = decodeEvents(delivery.message.content);
    if (!decoded.ok) {
      void this.deadLetter(delivery, decoded.code, decoded.reason);
      return;
    }
    this.pending.push({ delivery, events: decoded.value });
    if (!this.scheduled && !this.flushing) {
      this.scheduled = true;
      // Wait one turn of the event loop so the messages already in the socket buffer join this group.
      setImmediate(() => {
        this.scheduled = false;
        this.flushing = this.flushLoop().finally(() => (this.flushing = undefined));
      });
    }
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0 && !this.stopping) {
      const group = this.pending.splice(0, this.config.batchSize);
      await this.applyGroup(group);
    }
  }

  private async applyGroup(group: Pending[]): Promise<void> {
    let rejected: Error | undefined;
    const applied = await retryWithBackoff(() => this.apply(group), {
      giveUp: async (err) => {
        if (this.stopping) return true;
        // A store that went away says so (or does not answer): wait for it, never bisect or dead-letter for that.
        if (err instanceof StoreUnavailableError || !(await this.storeIsUp())) return false;
        rejected = err;
        return true;
      },
      onRetry: (err, delay) =>
        this.logger.warn(`Job store unavailable (${err.message}); retrying ${group.length} event message(s) in ${delay} ms`),
    });
    if (applied || !rejected) return;
    // The store works, so something in this group is bad: apply one message at a time to find it.
    if (group.length > 1) {
      for (const item of group) await this.applyGroup([item]);
      return;
    }
    // The database's own words go to the log only: dead letters are served over HTTP, which never shows them.
    this.logger.error(`The job store refused an event message: ${rejected.message}`);
    await this.deadLetter(group[0].delivery, 'store_rejected', 'the job store refused to apply these events; the api log has its error');
  }

  /** Applies a group's events in one transaction, then acks its messages. */
  private async apply(group: Pending[]): Promise<true> {
    const events = group.flatMap((item) => item.events);
    const spans = this.outcomeSpans(events);
    let result: Awaited<ReturnType<JobStore['applyEvents']>>;
    try {
      result = await this.store.applyEvents(events);
    } catch (err) {
      spans.forEach((span) => endSpan(span, err));
      throw err;
    }
    spans.forEach((span) => span.end());
    const committedAt = Date.now();
    for (const item of group) item.delivery.ack();
    const applied = result.appliedEvents ?? [];
    this.metrics.committed(events, applied, committedAt);
    for (const event of applied) this.bus.publish({ source: 'worker', event });
    return true;
  }

  /**
   * A `process` span for each outcome that carries its attempt's trace context, covering its write to the store:
   * the end of the job's trace. Events without one (a worker with no OpenTelemetry SDK, `started`, `progress`)
   * make none.
   */
  private outcomeSpans(events: readonly JobEvent[]): Span[] {
    const spans: Span[] = [];
    for (const event of events) {
      if (event.kind === 'started' || event.kind === 'progress' || !event.trace) continue;
      spans.push(
        startMessagingSpan('@cask/nestjs', 'process', this.topology.eventsQueue, contextOfCarrier(event.trace), () => ({
          [MessagingAttributes.destination]: this.topology.eventsExchange,
          [MessagingAttributes.routingKey]: this.topology.eventsRoutingKey,
          [MessagingAttributes.consumerGroup]: this.topology.eventsQueue,
          [CaskAttributes.jobId]: event.job_id,
          [CaskAttributes.jobType]: event.type,
          [CaskAttributes.attempt]: event.attempt,
          [CaskAttributes.series]: event.series,
          [CaskAttributes.outcome]: event.kind,
          [CaskAttributes.worker]: event.worker,
        })),
      );
    }
    return spans;
  }

  private async storeIsUp(): Promise<boolean> {
    return this.database.ping().then(
      () => true,
      () => false,
    );
  }

  private async deadLetter(delivery: Delivery, code: string, detail: string): Promise<void> {
    this.logger.warn(`Dead-lettering an event message (${code}: ${detail})`);
    try {
      await publishDeadLetter(this.publisher, this.topology, delivery.message, this.topology.eventsQueue, { code, detail });
      delivery.ack();
    } catch (err) {
      // Without a confirmed copy, reject it to the queue's dead-letter exchange rather than loop on it.
      this.logger.error(`Could not publish the dead letter (${(err as Error).message}); rejecting it instead`);
      delivery.nack(false);
    }
  }
}
