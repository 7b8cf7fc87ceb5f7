import {
  AmqpConnection,
  CaskAttributes,
  ConfirmPublisher,
  GroupCommit,
  MessagingAttributes,
  contextOfCarrier,
  endSpan,
  startMessagingSpan,
  traceCarrierOf,
} from '@cask/core';
import { CaskTopology, JobOrigin, encodePack, originHeaders, packOriginHeaders } from '@cask/contracts';
import { ROOT_CONTEXT, Span, context, trace } from '@opentelemetry/api';
import { jobLog } from '@cask/contracts';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { withinGrace } from '../shutdown/within-grace';
import type { OutboxMessage } from '../store/job-record';
import { IdempotencyStore } from '../store/idempotency-store';
import { OutboxStore } from '../store/outbox-store';
import { CASK_TOPOLOGY } from '../tokens';
import { OutboxRelayOptions } from './outbox-relay.options';
import { PackGate } from './pack-gate';

/** Messages the relay claims per round. */
const CLAIM_BATCH = 200;
/**
 * Inline publishes awaiting their confirm, at most. Past it, a burst of dispatches leaves its messages to
 * the relay (which publishes in bounded rounds) instead of piling up unconfirmed publishes that then time
 * out and go out twice.
 */
const MAX_INLINE_IN_FLIGHT = 1000;

/**
 * How long confirmed messages wait to be deleted from the outbox, so that one transaction (and fsync)
 * deletes many: at 1,000 jobs/s a delete per confirm would cost as much as the dispatches themselves.
 * Nothing depends on the delete being prompt: the relay leaves a fresh message alone for its inline lease.
 */
const DELETE_DELAY_MS = 50;
/** Confirmed messages that trigger a delete at once. */
const DELETE_BATCH = 500;

/**
 * Packs under way at once per queue and priority. While that many await their confirm, the jobs ready
 * meanwhile wait and then go out together in the next pack: an idle api sends each job at once, alone; a
 * busy one sends fewer, fuller messages instead of queueing behind single ones.
 */
const PACKS_IN_FLIGHT = 8;
/** A pack counts a job's body in units of this many bytes, so large payloads make smaller packs. */
const PACK_UNIT_BYTES = 16 * 1024;
/** How often expired idempotency keys are purged. */
const PURGE_INTERVAL_MS = 60_000;

/**
 * A message's job, for log lines. The type is in the body of a job message (not of a cancel command):
 * it is read only on the rare paths that log, so publishing never parses a body.
 */
function jobFields(message: OutboxMessage): object {
  if (message.target === 'control') return { job_id: message.jobId };
  return jobLog(message.jobId, (JSON.parse(message.body) as { type: string }).type);
}

/**
 * Gets committed job messages to the broker. Dispatch publishes each at once ({@link publishNow}); the
 * relay publishes whatever that did not confirm: messages written while the broker was down or blocked,
 * and messages left by an api that crashed between commit and publish. A message leaves the outbox only
 * once the broker confirmed it.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  /** Ids of messages published inline and not settled, or waiting for a place: the relay leaves them alone. */
  private readonly inFlight = new Set<string>();
  private readonly waiting: OutboxMessage[] = [];
  /** One group commit per queue and priority: the jobs of one pack share both. */
  private readonly packers = new Map<string, GroupCommit<OutboxMessage>>();
  private sending = 0;
  private confirmed: string[] = [];
  private deleting?: Promise<void>;
  private deleteTimer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private lastPurge = 0;
  private wakeTimer?: NodeJS.Timeout;
  private wakeTime = Infinity;
  private stopped = false;

  constructor(
    private readonly store: OutboxStore,
    private readonly keys: IdempotencyStore,
    private readonly publisher: ConfirmPublisher,
    private readonly connection: AmqpConnection,
    @Inject(CASK_TOPOLOGY) private readonly topology: CaskTopology,
    private readonly config: OutboxRelayOptions,
    /** Which queues' workers all read packs; without it (unit tests), every queue's do. */
    @Optional() private readonly gate?: PackGate,
  ) {}

  /** How long a freshly dispatched message is left to its inline publish before the relay takes it. */
  get inlineLeaseMs(): number {
    return this.config.confirmTimeoutMs + 5_000;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.config.pollMs);
    this.timer.unref();
    this.connection.on('connected', () => this.kick());
    this.kick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.wakeTimer);
    // What is not confirmed by then stays in the outbox for the next start: nothing is lost by cutting short.
    await withinGrace(this.draining, this.config.shutdownGraceMs);
    clearTimeout(this.deleteTimer);
    this.deleteTimer = undefined;
    await withinGrace(this.flushDeletes(), this.config.shutdownGraceMs);
  }

  /** True when dispatch must refuse: the broker cannot take jobs and the outbox is at its bound. */
  async isBacklogFull(): Promise<{ full: boolean; backlog: number }> {
    if (this.publisher.isReady) return { full: false, backlog: 0 };
    const backlog = await this.store.outboxBacklog(Date.now() + this.inlineLeaseMs);
    return { full: backlog >= this.config.maxBacklog, backlog };
  }

  /**
   * Publishes a just-committed message; on failure leaves it to the relay. Never throws. Past
   * {@link MAX_INLINE_IN_FLIGHT} unconfirmed publishes it waits in memory for a free place (its row is
   * committed, so a crash loses nothing): a burst cannot pile up publishes whose confirms time out.
   */
  publishNow(message: OutboxMessage): void {
    if (!this.publisher.isReady) {
      this.release(message);
      return;
    }
    if (this.sending >= MAX_INLINE_IN_FLIGHT) {
      this.waiting.push(message);
      this.inFlight.add(message.id);
      return;
    }
    this.send(message);
  }

  private send(message: OutboxMessage): void {
    this.inFlight.add(message.id);
    this.sending += 1;
    this.publishJob(message)
      .then(
        () => this.confirm(message.id),
        (err: Error) => {
          this.logger.warn({
            ...jobFields(message),
            msg: `Job ${message.jobId}: publish not confirmed (${err.message}); the outbox relay will retry`,
          });
          this.release(message);
        },
      )
      .finally(() => {
        this.inFlight.delete(message.id);
        this.sending -= 1;
        this.sendWaiting();
      });
  }

  /** Moves waiting messages into the free places; if the broker went away, hands them to the relay. */
  private sendWaiting(): void {
    while (this.waiting.length > 0 && this.sending < MAX_INLINE_IN_FLIGHT) {
      const next = this.waiting.shift() as OutboxMessage;
      this.inFlight.delete(next.id);
      if (this.publisher.isReady) this.send(next);
      else this.release(next);
    }
  }

  /** Makes sure a relay round starts by `at` (a delayed job's due time), not only at the next poll. */
  wakeAt(at: number): void {
    if (this.stopped) return;
    if (this.wakeTimer && this.wakeTime <= at) return;
    clearTimeout(this.wakeTimer);
    this.wakeTime = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeTime = Infinity;
        this.kick();
      },
      Math.max(0, at - Date.now()),
    );
    this.wakeTimer.unref();
  }

  /** Starts a relay round unless one is running or the broker cannot take messages. */
  kick(): void {
    if (this.stopped || this.draining || !this.publisher.isReady) return;
    this.draining = this.drain()
      .catch((err: Error) => this.logger.warn(`Outbox relay round failed: ${err.message}`))
      .finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    await this.purgeKeys();
    while (!this.stopped && this.publisher.isReady) {
      const batch = (await this.store.claimOutbox(CLAIM_BATCH, this.inlineLeaseMs)).filter((m) => !this.inFlight.has(m.id));
      if (batch.length === 0) {
        // Sleep until the next delayed job is due rather than until the next poll, so it starts on time.
        const next = await this.store.nextOutboxDue();
        if (next !== undefined && next - Date.now() < this.config.pollMs) this.wakeAt(next);
        return;
      }
      this.logger.log(`Publishing ${batch.length} job(s) from the outbox`);
      const results = await Promise.allSettled(batch.map((message) => this.publishJob(message).then(() => this.confirm(message.id))));
      // Unconfirmed ones come back when their claim lapses; stop this round rather than spin on a failing broker.
      if (results.some((result) => result.status === 'rejected')) return;
    }
  }

  /**
   * Publishes a message, a job's sharing a pack with the other jobs for its queue and priority that are ready
   * in the same turn (up to `packMaxJobs`). Resolves once the broker confirmed the message that carried it.
   */
  private publishJob(message: OutboxMessage): Promise<void> {
    if (message.target === 'control' || this.config.packMaxJobs <= 1 || this.gate?.allows(message.routingKey) === false) {
      return this.publish(message);
    }
    const key = `${message.routingKey}\u0000${message.priority}`;
    let packer = this.packers.get(key);
    if (!packer) {
      packer = new GroupCommit((messages) => this.publishPack(messages), {
        maxGroup: this.config.packMaxJobs,
        maxInFlight: PACKS_IN_FLIGHT,
        sizeOf: (queued) => Math.max(1, Math.ceil(queued.body.length / PACK_UNIT_BYTES)),
      });
      this.packers.set(key, packer);
    }
    return packer.add(message);
  }

  /** One job goes out as it always did (format 1); several as a pack (format 2). */
  private publishPack(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 1) return this.publish(messages[0]);
    const [first] = messages;
    const sends = messages.map((message) => this.sendSpan(message, messages.length));
    const published = inSpan(
      sends.find((span) => span),
      () =>
        this.publisher.publish(this.topology.jobsExchange, first.routingKey, encodePack(messages.map((message) => message.body)), {
          messageId: first.id,
          priority: first.priority,
          headers: packOriginHeaders(messages.map((message, index) => this.originOf(message, sends[index]))),
        }),
    );
    return sends.some((span) => span) ? settleSpans(published, sends) : published;
  }

  private publish(message: OutboxMessage): Promise<void> {
    if (message.target === 'control') {
      return this.publisher.publish('', this.topology.controlStream, Buffer.from(message.body), { messageId: message.id });
    }
    const send = this.sendSpan(message, 1);
    const published = inSpan(send, () =>
      this.publisher.publish(this.topology.jobsExchange, message.routingKey, Buffer.from(message.body), {
        messageId: message.jobId,
        priority: message.priority,
        headers: originHeaders(this.originOf(message, send)),
      }),
    );
    return send ? settleSpans(published, [send]) : published;
  }

  /**
   * The `send` span of a traced job's message (a child of its dispatch's `create` span), from publish to the
   * broker's confirm; none for a job nothing traced, so an api without an OpenTelemetry SDK does no work here.
   */
  private sendSpan(message: OutboxMessage, count: number): Span | undefined {
    if (!message.trace) return undefined;
    return startMessagingSpan('@cask/nestjs', 'send', message.routingKey, contextOfCarrier(message.trace), () => ({
      [MessagingAttributes.destination]: this.topology.jobsExchange,
      [MessagingAttributes.routingKey]: message.routingKey,
      [MessagingAttributes.messageId]: message.jobId,
      [MessagingAttributes.bodySize]: Buffer.byteLength(message.body),
      ...(count > 1 ? { [MessagingAttributes.batchCount]: count } : {}),
      [CaskAttributes.jobId]: message.jobId,
    }));
  }

  /** What a message carries of its job's origin: the trace context of its `send` span (or of its dispatch). */
  private originOf(message: OutboxMessage, send: Span | undefined): JobOrigin {
    return { requestId: message.requestId, trace: (send && traceCarrierOf(send)) ?? message.trace };
  }

  private release(message: OutboxMessage): void {
    this.store.releaseOutbox(message.id).then(
      () => this.kick(),
      (err: Error) =>
        this.logger.warn({
          ...jobFields(message),
          msg: `Job ${message.jobId}: could not release its outbox message (${err.message}); it waits for its lease`,
        }),
    );
  }

  /** Deletes confirmed messages in groups: one write for many confirms. */
  private confirm(id: string): void {
    this.confirmed.push(id);
    // A delete under way takes this one too if a full batch is waiting when it ends, or leaves it to the timer.
    if (this.deleting) return;
    if (this.confirmed.length >= DELETE_BATCH) {
      clearTimeout(this.deleteTimer);
      this.deleteTimer = undefined;
      this.deleting = this.flushDeletes();
      return;
    }
    this.scheduleDeletes();
  }

  private scheduleDeletes(): void {
    this.deleteTimer ??= setTimeout(() => {
      this.deleteTimer = undefined;
      this.deleting = this.flushDeletes();
    }, DELETE_DELAY_MS);
  }

  /**
   * Deletes what is confirmed, and goes straight on only while a full batch waits (or at shutdown, until
   * nothing is left); the few confirms that arrive during a delete wait for the timer. Going straight on with
   * those ran a delete transaction every few milliseconds at 1,000 jobs/s, holding the one SQLite connection
   * that dispatches and events wait for.
   */
  private async flushDeletes(): Promise<void> {
    do {
      const ids = this.confirmed.splice(0, DELETE_BATCH);
      try {
        // Delayed jobs whose message just went out are runnable now: scheduled becomes queued.
        await this.store.deleteOutbox(ids);
      } catch (err) {
        // Left in place they are published again later: a duplicate message, which workers tolerate.
        this.logger.warn(`Could not delete ${ids.length} confirmed outbox message(s): ${(err as Error).message}`);
      }
    } while (this.confirmed.length >= (this.stopped ? 1 : DELETE_BATCH));
    this.deleting = undefined;
    if (this.confirmed.length > 0 && !this.stopped) this.scheduleDeletes();
  }

  private async purgeKeys(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    const purged = await this.keys.purgeExpiredKeys(now);
    if (purged > 0) this.logger.debug(`Purged ${purged} expired idempotency and unique key(s)`);
  }
}

/**
 * Publishes with the `send` span active, so what a host's AMQP instrumentation makes of the publish (its own span,
 * a `traceparent` it writes over Cask's) nests under it and stays in the job's trace.
 */
function inSpan<T>(span: Span | undefined, publish: () => T): T {
  return span ? context.with(trace.setSpan(ROOT_CONTEXT, span), publish) : publish();
}

/** Ends the `send` spans of a message once the broker confirmed it (or failed them if it did not). */
function settleSpans(published: Promise<void>, spans: ReadonlyArray<Span | undefined>): Promise<void> {
  return published.then(
    () => spans.forEach((span) => span && endSpan(span)),
    (err: unknown) => {
      spans.forEach((span) => span && endSpan(span, err));
      throw err;
    },
  );
}
