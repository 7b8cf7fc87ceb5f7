import { GroupCommit } from '@cask/core';
import { DEFAULT_TENANT, FieldError, Job, JobDefinition, isUuid, validatePayload } from '@cask/contracts';
import { jobLog } from '@cask/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { JobMetrics } from '../metrics/job-metrics';
import { OutboxRelay } from '../outbox/outbox-relay';
import type { NewJob, OutboxMessage } from '../store/job-record';
import { JobStore } from '../store/job-store';
import { toJob } from '../store/job-view.mapper';
import { AsyncDispatcher, BatchItem, DispatchOptions } from './async-dispatcher';
import { BacklogFullError, BatchValidationError, IdempotencyConflictError, PayloadTooLargeError } from './dispatch-errors';
import { checkedRaw } from './checked-payloads';
import { checkDispatchOptions, checkPayloadSize } from './dispatch-options';
import { DispatcherOptions } from './dispatcher.options';
import { InvalidPayloadError } from './invalid-payload.error';
import { firstAttemptMessage } from './job-message';

/** Most jobs one group commit writes. */
const MAX_JOBS_PER_COMMIT = 500;

interface Prepared {
  record: NewJob & { series: number };
  message: OutboxMessage;
  delayed: boolean;
}

/** A resolved job as a request: after defaults, so leaving out `priority` and sending the default match. */
function resolvedRequest({ type, payload, priority, maxAttempts, backoff, timeoutMs, runAt }: Prepared['record']): object {
  return { type, payload, priority, maxAttempts, backoff, timeoutMs, runAt };
}

/** JSON with object keys sorted, so equal requests hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Commits the job and its message together (the transactional outbox), then publishes the message with
 * a broker confirm. A job is never only in memory: if the publish fails or the process dies, the relay
 * publishes it from the store.
 */
@Injectable()
export class AmqpAsyncDispatcher extends AsyncDispatcher {
  private readonly logger = new Logger(AmqpAsyncDispatcher.name);
  /** Concurrent dispatches share a transaction (and its fsync) instead of queueing for one each. */
  private readonly commits: GroupCommit<{ job: NewJob; message: OutboxMessage }>;

  constructor(
    private readonly store: JobStore,
    private readonly relay: OutboxRelay,
    private readonly config: DispatcherOptions,
    private readonly metrics: JobMetrics,
  ) {
    super();
    this.commits = new GroupCommit((items) => this.store.createJobs(items), {
      maxGroup: MAX_JOBS_PER_COMMIT,
      // A few groups under way at once, so a dispatch waits less for the one before; past that, dispatches
      // arriving meanwhile join the next group rather than queueing in groups of their own.
      maxInFlight: store.writesInParallel,
    });
  }

  override async dispatch<P extends object, R>(job: JobDefinition<P, R>, payload: P, options: DispatchOptions = {}): Promise<string> {
    const now = Date.now();
    const prepared = this.prepare(job, payload, options, now);
    const { full, backlog } = await this.relay.isBacklogFull();
    if (full) throw new BacklogFullError(backlog);
    if (!options.idempotencyKey) {
      await this.commits.add({ job: prepared.record, message: prepared.message });
      this.metrics.dispatched(prepared.record.type, prepared.record.queue);
      this.release(prepared);
      this.logger.debug({ ...jobLog(prepared.record.id, job.name), msg: `Job ${job.name} ${prepared.record.id} dispatched` });
      return prepared.record.id;
    }
    const idempotency = {
      // Keys are the client's: two tenants choosing the same key are two requests.
      key: `${prepared.record.tenant}:${options.idempotencyKey}`,
      requestHash: this.requestHash(options.fingerprint ?? resolvedRequest(prepared.record)),
      expiresAt: now + this.config.idempotencyTtlMs,
    };
    const outcome = await this.store.createJob(prepared.record, prepared.message, idempotency);
    if (!outcome.created) {
      if (outcome.requestHash !== idempotency.requestHash) throw new IdempotencyConflictError(outcome.jobId);
      this.logger.debug({ ...jobLog(outcome.jobId, job.name), msg: `Job ${job.name} ${outcome.jobId}: idempotent replay` });
      return outcome.jobId;
    }
    this.metrics.dispatched(prepared.record.type, prepared.record.queue);
    this.release(prepared);
    this.logger.debug({
      ...jobLog(prepared.record.id, job.name),
      msg: `Job ${job.name} ${prepared.record.id} dispatched (idempotency key)`,
    });
    return prepared.record.id;
  }

  override async dispatchMany(items: readonly BatchItem[]): Promise<string[]> {
    const now = Date.now();
    const errors: FieldError[] = [];
    const prepared: Prepared[] = [];
    items.forEach((item, index) => {
      try {
        prepared.push(this.prepare(item.job, item.payload, item.options ?? {}, now));
      } catch (err) {
        if (err instanceof PayloadTooLargeError) throw new PayloadTooLargeError(err.jobType, err.limit, err.size, `jobs[${index}].payload`);
        if (!(err instanceof InvalidPayloadError)) throw err;
        for (const { field, reason } of err.errors) {
          const path = !err.inPayload ? field : field ? `payload.${field}` : 'payload';
          errors.push({ field: `jobs[${index}].${path}`, reason });
        }
      }
    });
    if (errors.length > 0) throw new BatchValidationError(errors);
    const { full, backlog } = await this.relay.isBacklogFull();
    if (full) throw new BacklogFullError(backlog);
    await this.store.createJobs(prepared.map(({ record, message }) => ({ job: record, message })));
    for (const item of prepared) {
      this.metrics.dispatched(item.record.type, item.record.queue);
      this.release(item);
    }
    this.logger.debug(`Batch of ${prepared.length} job(s) dispatched`);
    return prepared.map(({ record }) => record.id);
  }

  /** Validates and builds a job and its message; throws InvalidPayloadError. */
  private prepare(job: JobDefinition, payload: object, options: DispatchOptions, now: number): Prepared {
    const raw = checkedRaw(payload, job);
    checkPayloadSize(job, raw ?? payload, this.config.maxPayloadBytes.get(job.name));
    const validation = raw ? { ok: true as const, value: payload } : validatePayload(job, payload);
    if (!validation.ok) throw new InvalidPayloadError(job.name, validation.errors);
    checkDispatchOptions(job.name, options);
    const delayed = options.runAt !== undefined && options.runAt > now;
    const record = {
      id: uuidv7(),
      type: job.name,
      queue: job.queue,
      status: delayed ? ('scheduled' as const) : ('queued' as const),
      runAt: delayed ? options.runAt : undefined,
      schedule: options.schedule,
      tenant: options.tenant ?? DEFAULT_TENANT,
      payload: validation.value,
      series: 1,
      maxAttempts: options.maxAttempts ?? job.retry.maxAttempts,
      backoff: options.backoff ?? job.retry.backoff,
      timeoutMs: options.timeoutMs ?? job.timeoutMs,
      priority: options.priority ?? job.priority,
      createdAt: now,
    };
    // A delayed job's message waits in the outbox until it is due; the relay publishes it then.
    const message = {
      ...firstAttemptMessage(record, now, options.requestId),
      availableAt: delayed ? (options.runAt as number) : now + this.relay.inlineLeaseMs,
    };
    return { record, message, delayed };
  }

  /** Hands a committed message to the broker now, or wakes the relay when a delayed one is due. */
  private release({ message, delayed }: Prepared): void {
    if (delayed) this.relay.wakeAt(message.availableAt as number);
    else this.relay.publishNow(message);
  }

  override async getResult<R = unknown>(jobId: string, tenant?: string): Promise<Job<R> | null> {
    if (!isUuid(jobId)) return null;
    const record = await this.store.get(jobId);
    return record && (tenant === undefined || record.tenant === tenant) ? toJob<R>(record) : null;
  }

  /** Digest of what a request asks for; equal requests give equal digests whatever their key order. */
  private requestHash(fingerprint: unknown): string {
    return createHash('sha256').update(canonicalJson(fingerprint)).digest('hex');
  }
}
