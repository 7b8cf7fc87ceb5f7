import {
  ErrorCode,
  JobContext,
  JobDefinition,
  JobEnvelope,
  JobError,
  JobEvent,
  JobOrigin,
  JobProgress,
  backoffDelay,
  backoffFromWire,
  parentsFromWire,
  toJobError,
  validatePayload,
} from '@cask/contracts';
import type { JobDelivery } from './pack-parts';
import {
  CaskAttributes,
  JobLogger,
  MessagingAttributes,
  UNTRACED_SPAN,
  contextOfCarrier,
  failSpan,
  startMessagingSpan,
  traceCarrierOf,
} from '@cask/core';
import { Span, context as otelContext, trace } from '@opentelemetry/api';
import { jobLog } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import type { WorkerMetrics } from '../metrics/worker-metrics';
import { EventPublisher } from './event-publisher';
import { JobOutcomes } from './job-outcomes';
import { untilConfirmed } from './until-confirmed';

/** Calls the registered handler with the payload and context and resolves with its result. */
export type HandlerInvoker = (type: string, payload: object, context: JobContext) => Promise<unknown>;

/** Why an attempt was stopped from outside. */
class AttemptTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Attempt exceeded its timeout of ${timeoutMs} ms`);
    this.name = 'AttemptTimeout';
  }
}

/** Why an attempt was stopped: the job was cancelled through the api. */
class AttemptCancelled extends Error {
  constructor() {
    super('Job cancelled');
    this.name = 'AttemptCancelled';
  }
}

/** What the executor needs to know about where a job came from. */
export interface JobSource {
  envelope: JobEnvelope;
  definition: JobDefinition;
  delivery: JobDelivery;
  /** The job queue (not the broker queue) the job belongs to. */
  queue: string;
  /** The broker queue the message was taken from (for dead-letter headers). */
  brokerQueue: string;
  /**
   * The request that dispatched the job (`x-cask-request-id`), on every line about it, and its trace context
   * (`traceparent`), the parent of the attempt's span: both go on to its next attempt.
   */
  origin: JobOrigin;
  /** The job came in a pack: the api found every worker on its queue reads packs, so its retry may travel in one. */
  packed?: boolean;
}

/**
 * Runs one attempt of a job: validates the payload again, runs the handler under its timeout, reports
 * `started` and `progress`, then settles the outcome: success, a retry after backoff (waiting in the
 * broker), or failure (with a dead-letter copy when the attempts ran out). The message is acked only
 * after everything the outcome publishes is confirmed.
 */
export class JobExecutor {
  private readonly logger = new Logger(JobExecutor.name);
  private readonly running = new Map<
    string,
    { controller: AbortController; done: Promise<void>; envelope: JobEnvelope; queue: string; log: JobLogger }
  >();
  private shuttingDown = false;

  /**
   * @param startedEventDelayMs how long an attempt runs before its `started` event is sent; an attempt
   *   that ends sooner reports only its outcome (which carries `started_at`). 0 sends it at once.
   */
  constructor(
    private readonly events: EventPublisher,
    private readonly outcomes: JobOutcomes,
    private readonly invoke: HandlerInvoker,
    private readonly workerId: string,
    private readonly metrics: WorkerMetrics,
    private readonly startedEventDelayMs = 0,
  ) {}

  get inFlight(): number {
    return this.running.size;
  }

  /** Attempts running now, by job queue (for metrics, when scraped). */
  inFlightByQueue(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { queue } of this.running.values()) counts.set(queue, (counts.get(queue) ?? 0) + 1);
    return counts;
  }

  /** Resolves when every running attempt has settled. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Shutdown past its grace period: fire every running handler's AbortSignal and give their jobs back. */
  abortAll(reason: string): void {
    this.shuttingDown = true;
    for (const { controller } of this.running.values()) controller.abort(new Error(reason));
  }

  /** Fires the AbortSignal of a running attempt of this job series; returns whether one was running. */
  cancel(jobId: string, series: number): boolean {
    let found = false;
    for (const { controller, envelope, log } of this.running.values()) {
      if (envelope.id === jobId && envelope.series <= series) {
        log.log(`Job ${envelope.type} ${jobId}: cancel requested; aborting it`);
        controller.abort(new AttemptCancelled());
        found = true;
      }
    }
    return found;
  }

  execute(source: JobSource): Promise<void> {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const key = `${source.envelope.id}:${source.envelope.series}:${source.envelope.attempt}:${this.running.size}:${Date.now()}`;
    const controller = new AbortController();
    const { id, type, attempt } = source.envelope;
    // A child logger for the attempt: every line about it names the job, the attempt and the request.
    const log = new JobLogger(this.logger, jobLog(id, type, { attempt, requestId: source.origin.requestId }));
    this.running.set(key, { controller, done, envelope: source.envelope, queue: source.queue, log });
    const span = this.startSpan(source);
    return this.run(source, controller, log, span).finally(() => {
      span.end();
      this.running.delete(key);
      finish();
    });
  }

  /** The attempt's span, a child of the job's trace context: without an OpenTelemetry SDK, a no-op one. */
  private startSpan({ envelope, delivery, queue, brokerQueue, origin }: JobSource): Span {
    const startedAt = Date.now();
    return startMessagingSpan('@cask/worker', 'process', queue, contextOfCarrier(origin.trace), () => ({
      [MessagingAttributes.destination]: delivery.message.fields.exchange,
      [MessagingAttributes.routingKey]: delivery.message.fields.routingKey,
      [MessagingAttributes.consumerGroup]: brokerQueue,
      [MessagingAttributes.messageId]: envelope.id,
      [CaskAttributes.jobId]: envelope.id,
      [CaskAttributes.jobType]: envelope.type,
      [CaskAttributes.attempt]: envelope.attempt,
      [CaskAttributes.series]: envelope.series,
      [CaskAttributes.queueWaitMs]: Math.max(0, startedAt - (envelope.ready_at ?? envelope.created_at)),
      [CaskAttributes.worker]: this.workerId,
      ...(envelope.tenant === undefined ? {} : { [CaskAttributes.tenant]: envelope.tenant }),
    }));
  }

  private async run(source: JobSource, controller: AbortController, log: JobLogger, span: Span): Promise<void> {
    const { envelope, definition, delivery } = source;
    const { id, type, attempt, series, tenant } = envelope;
    const base = { job_id: id, type, series, attempt, worker: this.workerId, ...(tenant === undefined ? {} : { tenant }) };
    // The outcome carries the attempt's trace context, so the api's record of it joins the job's trace.
    const carrier = traceCarrierOf(span);
    const traced = carrier ? { trace: carrier } : {};
    const outcome = (name: string, error?: JobError) => {
      if (!span.isRecording()) return;
      span.setAttribute(CaskAttributes.outcome, name);
      if (error) failSpan(span, Object.assign(new Error(error.message), { name: error.code }));
    };
    const validation = validatePayload(definition, envelope.payload);
    if (!validation.ok) {
      const message = validation.errors.map((e) => `${e.field || 'payload'}: ${e.reason}`).join('; ');
      log.warn(`Job ${type} ${id}: invalid payload (${message})`);
      const error = { code: ErrorCode.InvalidPayload, message, retryable: false };
      this.metrics.ended(type, 'failed');
      outcome('failed', error);
      await this.settle(source, log, () => this.events.publish([{ ...base, kind: 'failed', at: Date.now(), error, ...traced }]));
      return;
    }

    const startedAt = Date.now();
    this.metrics.started(type, envelope.ready_at ?? envelope.created_at, startedAt);
    // The outcome follows on the same publisher, so the store sees them in order; the message is acked
    // only once the outcome is confirmed, so `started` is not awaited.
    let startReported = false;
    const reportStart = () => {
      if (startReported) return;
      startReported = true;
      clearTimeout(startTimer);
      this.events
        .publish([{ ...base, kind: 'started', at: startedAt }])
        .catch((err: Error) => log.debug(`Job ${type} ${id}: started event not confirmed (${err.message})`));
    };
    const startTimer = this.startedEventDelayMs > 0 ? setTimeout(reportStart, this.startedEventDelayMs) : undefined;
    if (!startTimer) reportStart();
    const context: JobContext = {
      jobId: id,
      type,
      attempt,
      maxAttempts: envelope.max_attempts,
      requestId: source.origin.requestId,
      parents: parentsFromWire(envelope.parents),
      ...(envelope.batch ? { batch: envelope.batch } : {}),
      signal: controller.signal,
      progress: (value: JobProgress) => {
        reportStart();
        return this.events.publish([{ ...base, kind: 'progress', at: Date.now(), progress: value }]);
      },
    };

    let result: unknown;
    let failure: JobError | undefined;
    let timedOut = false;
    try {
      // The handler runs in the attempt's span: spans it starts are its children.
      const invoke = () => this.invoke(type, validation.value, context);
      const invoked = span === UNTRACED_SPAN ? invoke() : otelContext.with(trace.setSpan(otelContext.active(), span), invoke);
      result = await this.withTimeout(envelope, controller, log, invoked);
      JSON.stringify(result ?? null);
    } catch (err) {
      if (controller.signal.reason instanceof AttemptCancelled) {
        // The store already says cancelled; there is no outcome to report, only the message to let go.
        log.log(`Job ${type} ${id}: cancelled while running`);
        this.metrics.ended(type, 'cancelled', Date.now() - startedAt);
        outcome('cancelled');
        delivery.ack();
        return;
      }
      if (this.shuttingDown && controller.signal.aborted && !(err instanceof AttemptTimeout)) {
        log.warn(`Job ${type} ${id}: stopped by shutdown; returning it to the queue`);
        this.metrics.ended(type, 'interrupted', Date.now() - startedAt);
        outcome('interrupted');
        delivery.nack(true);
        return;
      }
      timedOut = err instanceof AttemptTimeout;
      failure = err instanceof AttemptTimeout ? { code: ErrorCode.Timeout, message: err.message, retryable: true } : toJobError(err);
    } finally {
      clearTimeout(startTimer);
    }
    // Tells the api to record the `running` step in the history itself, since no `started` event will.
    const unreported = startReported ? {} : { start_unreported: true as const };

    const at = Date.now();
    if (!failure) {
      log.debug(`Job ${type} ${id}: succeeded in ${at - startedAt} ms`);
      outcome('succeeded');
      await this.settle(source, log, () =>
        this.events.publish([{ ...base, kind: 'succeeded', at, started_at: startedAt, ...unreported, result: result ?? null, ...traced }]),
      );
      this.metrics.ended(type, 'succeeded', at - startedAt);
      return;
    }
    if (failure.retryable && attempt < envelope.max_attempts) {
      const delayMs = backoffDelay(backoffFromWire(envelope.backoff), attempt);
      this.metrics.ended(type, timedOut ? 'timed_out' : 'retrying', at - startedAt);
      log.warn(`Job ${type} ${id}: attempt ${attempt} failed (${failure.code}: ${failure.message}); retrying in ${delayMs} ms`);
      const retrying: JobEvent = {
        ...base,
        kind: 'retrying',
        at,
        started_at: startedAt,
        ...unreported,
        error: failure,
        next_attempt_at: at + delayMs,
        ...traced,
      };
      outcome('retrying', failure);
      await this.settle(source, log, async () => {
        // The next attempt is confirmed before the event that announces it, so "retrying" is never a promise nobody keeps.
        await this.outcomes.scheduleRetry(
          { ...envelope, attempt: attempt + 1, ready_at: at + delayMs },
          source.queue,
          delivery.message.properties.priority,
          delayMs,
          source.origin,
          source.packed === true,
        );
        await this.events.publish([retrying]);
      });
      return;
    }
    const exhausted = failure.retryable;
    this.metrics.ended(type, timedOut ? 'timed_out' : 'failed', at - startedAt);
    log.warn(`Job ${type} ${id}: failed on attempt ${attempt} of ${envelope.max_attempts} (${failure.code}: ${failure.message})`);
    outcome('failed', failure);
    await this.settle(source, log, async () => {
      if (exhausted) {
        await this.outcomes.deadLetter(
          delivery.message,
          source.brokerQueue,
          ErrorCode.Exhausted,
          `${attempt} attempt(s) failed; last: ${failure.code}: ${failure.message}`,
        );
      }
      await this.events.publish([{ ...base, kind: 'failed', at, started_at: startedAt, ...unreported, error: failure, ...traced }]);
    });
  }

  /** Races the handler against the job's deadline; at the deadline its signal fires and the attempt fails. */
  private withTimeout<T>(envelope: JobEnvelope, controller: AbortController, log: JobLogger, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const timeout = new AttemptTimeout(envelope.timeout_ms);
        controller.abort(timeout);
        reject(timeout);
      }, envelope.timeout_ms);
      // A cancelled attempt ends now, whether or not the handler heeds its signal.
      controller.signal.addEventListener('abort', () => {
        if (controller.signal.reason instanceof AttemptCancelled) reject(controller.signal.reason);
      });
    });
    work.then(
      () => {
        if (controller.signal.reason instanceof AttemptTimeout) {
          log.warn(`Job ${envelope.type} ${envelope.id}: late result after its timeout discarded`);
        }
      },
      () => undefined,
    );
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }

  /**
   * Publishes the outcome, then acks. While the broker cannot confirm, the message is held and the publish
   * retried; if the delivery is lost meanwhile, the broker has requeued it and there is nothing to ack.
   */
  private async settle(source: JobSource, log: JobLogger, publish: () => Promise<void>): Promise<void> {
    const { envelope, delivery } = source;
    const confirmed = await untilConfirmed(
      delivery,
      publish,
      () => this.shuttingDown,
      (err, delayMs) => log.warn(`Job ${envelope.type} ${envelope.id}: outcome not confirmed (${err.message}); retrying in ${delayMs} ms`),
    );
    if (confirmed) delivery.ack();
    else delivery.nack(true);
  }
}
