import { CaskAttributes, GroupCommit, MessagingAttributes } from '@cask/core';
import { DEFAULT_TENANT, FieldError, Job, JobDefinition, TraceCarrier, isUuid, validatePayload } from '@cask/contracts';
import { jobLog } from '@cask/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { JobMetrics } from '../metrics/job-metrics';
import { FlowGate } from '../flows/flow-gate';
import { GroupGate } from '../groups/group-gate';
import { OutboxRelay } from '../outbox/outbox-relay';
import type { NewJob, OutboxMessage, UniqueClaim } from '../store/job-record';
import { FlowNodeWrite, FlowStore } from '../store/flow-store';
import { JobStore } from '../store/job-store';
import { toJob } from '../store/job-view.mapper';
import {
  AsyncDispatcher,
  BatchCallback,
  BatchItem,
  DispatchOptions,
  DispatchOutcome,
  DispatchedBatch,
  DispatchedFlow,
  FlowNode,
  FlowOptions,
} from './async-dispatcher';
import { canonicalJson } from './canonical-json';
import {
  BacklogFullError,
  BatchValidationError,
  FlowValidationError,
  IdempotencyConflictError,
  PayloadTooLargeError,
} from './dispatch-errors';
import { checkedRaw } from './checked-payloads';
import { checkDispatchOptions, checkPayloadSize } from './dispatch-options';
import { DispatcherOptions } from './dispatcher.options';
import { InvalidPayloadError } from './invalid-payload.error';
import { inCreateSpan } from './create-span';
import { checkFlowShape } from './flow-graph';
import { flowShape } from './flow-nodes';
import { groupOf } from './group-key';
import { firstAttemptMessage } from './job-message';
import { uniqueKeyOf, uniquePolicyOf } from './unique-key';

/** Most jobs one group commit writes. */
const MAX_JOBS_PER_COMMIT = 500;

interface Prepared {
  record: NewJob & { series: number };
  message: OutboxMessage;
  delayed: boolean;
}

/** A resolved job as a request: after defaults, so leaving out `priority` and sending the default match. */
function resolvedRequest({ type, payload, priority, maxAttempts, backoff, timeoutMs, runAt, group }: Prepared['record']): object {
  return { type, payload, priority, maxAttempts, backoff, timeoutMs, runAt, group: group?.key };
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
    private readonly groups: GroupGate,
    private readonly flowStore: FlowStore,
    private readonly flows: FlowGate,
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
    return (await this.dispatchJob(job, payload, options)).jobId;
  }

  override dispatchJob<P extends object, R>(job: JobDefinition<P, R>, payload: P, options: DispatchOptions = {}): Promise<DispatchOutcome> {
    return inCreateSpan({ queues: [job.queue], types: [job.name] }, options.traceContext, async (trace, span) => {
      const outcome = await this.dispatchOne(job, payload, options, trace);
      if (span.isRecording()) {
        span.setAttributes({
          [MessagingAttributes.messageId]: outcome.jobId,
          [CaskAttributes.jobId]: outcome.jobId,
          [CaskAttributes.outcome]: outcome.outcome,
        });
      }
      return outcome;
    });
  }

  private async dispatchOne(
    job: JobDefinition,
    payload: object,
    options: DispatchOptions,
    trace: TraceCarrier | undefined,
  ): Promise<DispatchOutcome> {
    const now = Date.now();
    const prepared = this.prepareWithKey(job, payload, options, now, trace);
    const { full, backlog } = await this.relay.isBacklogFull();
    if (full) throw new BacklogFullError(backlog);
    const { record, unique } = prepared;
    if (!options.idempotencyKey && !unique) {
      await this.commits.add({ job: record, message: prepared.message });
      this.created(prepared);
      return { jobId: record.id, outcome: 'created', status: record.status, unique: false };
    }
    const idempotency = options.idempotencyKey
      ? {
          // Keys are the client's: two tenants choosing the same key are two requests.
          key: `${record.tenant}:${options.idempotencyKey}`,
          requestHash: this.requestHash(
            // A debounced job's run time is the dispatch's time plus the window: not part of the request.
            options.fingerprint ??
              (unique?.mode === 'debounce' ? { ...resolvedRequest(record), runAt: options.runAt } : resolvedRequest(record)),
          ),
          expiresAt: now + this.config.idempotencyTtlMs,
        }
      : undefined;
    const outcome = await this.store.createJob(record, prepared.message, idempotency, unique);
    if (outcome.created) {
      this.created(prepared);
      return { jobId: record.id, outcome: 'created', status: record.status, unique: unique !== undefined };
    }
    if ('requestHash' in outcome) {
      if (outcome.requestHash !== idempotency?.requestHash) throw new IdempotencyConflictError(outcome.jobId);
      this.logger.debug({ ...jobLog(outcome.jobId, job.name), msg: `Job ${job.name} ${outcome.jobId}: idempotent replay` });
      return { jobId: outcome.jobId, outcome: 'existing', status: record.status, unique: unique !== undefined };
    }
    if (outcome.unique === 'debounced') this.wakeFor(record);
    this.metrics.deduplicated(job.name, outcome.unique);
    this.logger.debug({ ...jobLog(outcome.jobId, job.name), msg: `Job ${job.name}: dispatch became ${outcome.jobId} (${outcome.unique})` });
    return { jobId: outcome.jobId, outcome: outcome.unique, status: outcome.status, unique: true };
  }

  /** A new job is committed: counted, handed to the broker (or the relay), and (but in a batch, logged once) logged. */
  private created(prepared: Prepared, inBatch = false): void {
    this.metrics.dispatched(prepared.record.type, prepared.record.queue);
    this.release(prepared);
    if (inBatch) return;
    this.logger.debug({
      ...jobLog(prepared.record.id, prepared.record.type),
      msg: `Job ${prepared.record.type} ${prepared.record.id} dispatched`,
    });
  }

  /**
   * As {@link prepare}, with the dispatch's unique key to claim, if one applies. A debounced job waits out its
   * quiet window; each dispatch within it moves the window on.
   */
  private prepareWithKey(
    job: JobDefinition,
    payload: object,
    options: DispatchOptions,
    now: number,
    trace: TraceCarrier | undefined,
  ): Prepared & { unique?: UniqueClaim } {
    const policy = uniquePolicyOf(job, options);
    if (!policy) return this.prepare(job, payload, options, now, trace);
    const runAt = policy.mode === 'debounce' ? Math.max(options.runAt ?? 0, now + (policy.forMs as number)) : options.runAt;
    const prepared = this.prepare(job, payload, { ...options, runAt }, now, trace);
    const { record } = prepared;
    const unique: UniqueClaim = {
      key: uniqueKeyOf(policy, record.tenant ?? DEFAULT_TENANT, job.name, record.payload),
      mode: policy.mode,
      expiresAt: policy.mode === 'debounce' ? runAt : policy.forMs !== undefined ? now + policy.forMs : undefined,
      replacement: (holder) => ({
        ...firstAttemptMessage({ ...record, id: holder.id, createdAt: holder.createdAt }, now, { requestId: options.requestId, trace }),
        availableAt: runAt,
      }),
    };
    return { ...prepared, unique };
  }

  override dispatchMany(items: readonly BatchItem[]): Promise<string[]> {
    const incoming = items.find((item) => item.options?.traceContext)?.options?.traceContext;
    return inCreateSpan({ queues: items.map((item) => item.job.queue), types: items.map((item) => item.job.name) }, incoming, (trace) =>
      this.dispatchAll(items, trace),
    );
  }

  private async dispatchAll(items: readonly BatchItem[], trace: TraceCarrier | undefined): Promise<string[]> {
    const now = Date.now();
    const errors: FieldError[] = [];
    const prepared: Array<Prepared & { unique?: UniqueClaim }> = [];
    items.forEach((item, index) => {
      try {
        prepared.push(this.prepareWithKey(item.job, item.payload, item.options ?? {}, now, trace));
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
    if (!prepared.some((item) => item.unique)) {
      await this.store.createJobs(prepared.map(({ record, message }) => ({ job: record, message })));
      for (const item of prepared) this.created(item, true);
      this.logger.debug(`Batch of ${prepared.length} job(s) dispatched`);
      return prepared.map(({ record }) => record.id);
    }
    const outcomes = await this.store.createJobsClaiming(prepared.map(({ record, message, unique }) => ({ job: record, message, unique })));
    return outcomes.map((outcome, index) => {
      const item = prepared[index];
      if (outcome.created) {
        this.created(item, true);
        return item.record.id;
      }
      if ('unique' in outcome) {
        if (outcome.unique === 'debounced') this.wakeFor(item.record);
        this.metrics.deduplicated(item.record.type, outcome.unique);
      }
      return outcome.jobId;
    });
  }

  override dispatchFlow(nodes: readonly FlowNode[], options: FlowOptions = {}): Promise<DispatchedFlow> {
    const jobs = { queues: nodes.map((node) => node.job.queue), types: nodes.map((node) => node.job.name) };
    return inCreateSpan(jobs, options.traceContext, (trace) => this.dispatchGraph(nodes, options, trace));
  }

  private async dispatchGraph(nodes: readonly FlowNode[], options: FlowOptions, trace: TraceCarrier | undefined): Promise<DispatchedFlow> {
    const shape = flowShape(nodes);
    const errors = checkFlowShape(shape);
    const { prepared, errors: jobErrors } = this.prepareAll(
      nodes.map((node) => ({ job: node.job, payload: node.payload, options: node.options })),
      'nodes',
      options,
      trace,
    );
    errors.push(...jobErrors);
    if (errors.length > 0) throw new FlowValidationError(errors);
    const ids = new Map(shape.map((node, i) => [node.key, prepared[i].record.id]));
    const writes = shape.map<FlowNodeWrite>((node, i) => ({
      key: node.key,
      job: node.parents.length > 0 ? { ...prepared[i].record, status: 'waiting' } : prepared[i].record,
      message: node.parents.length > 0 ? undefined : prepared[i].message,
      parents: node.parents.map((parent) => ({ jobId: ids.get(parent.key) as string, onFailure: parent.onFailure })),
    }));
    const flowId = await this.commitFlow('flow', writes, prepared, options);
    this.logger.debug(`Flow ${flowId} of ${writes.length} job(s) dispatched`);
    return { flowId, jobIds: Object.fromEntries(ids) };
  }

  override dispatchBatch(items: readonly BatchItem[], callback: BatchCallback, options: FlowOptions = {}): Promise<DispatchedBatch> {
    const all = [...items, callback];
    const jobs = { queues: all.map((item) => item.job.queue), types: all.map((item) => item.job.name) };
    return inCreateSpan(jobs, options.traceContext, (trace) => this.dispatchWithCallback(items, callback, options, trace));
  }

  private async dispatchWithCallback(
    items: readonly BatchItem[],
    callback: BatchCallback,
    options: FlowOptions,
    trace: TraceCarrier | undefined,
  ): Promise<DispatchedBatch> {
    const { prepared, errors } = this.prepareAll([...items, callback], 'jobs', options, trace);
    // The callback's errors are named as its own field, not as one more item.
    const named = errors.map((error) =>
      error.field.startsWith(`jobs[${items.length}]`)
        ? { ...error, field: error.field.replace(`jobs[${items.length}]`, 'callback') }
        : error,
    );
    if (items.length === 0) named.unshift({ field: 'jobs', reason: 'must hold at least one job' });
    if (named.length > 0) throw new BatchValidationError(named);
    const last = prepared[prepared.length - 1];
    const members = prepared.slice(0, -1);
    const writes: FlowNodeWrite[] = members.map((item, i) => ({ key: `job-${i}`, job: item.record, message: item.message, parents: [] }));
    writes.push({
      key: 'callback',
      job: { ...last.record, status: 'waiting' },
      parents: members.map((item) => ({ jobId: item.record.id, onFailure: 'continue' })),
      callback: true,
    });
    const flowId = await this.commitFlow('batch', writes, prepared, options);
    this.logger.debug(`Batch ${flowId} of ${members.length} job(s) with a callback dispatched`);
    return { flowId, jobIds: members.map((item) => item.record.id), callbackId: last.record.id };
  }

  /** Validates and builds many jobs; errors are named `<list>[<i>].<field>`. */
  private prepareAll(
    items: ReadonlyArray<{ job: JobDefinition; payload: object; options?: Omit<DispatchOptions, 'idempotencyKey'> }>,
    list: string,
    flow: FlowOptions,
    trace: TraceCarrier | undefined,
  ): { prepared: Prepared[]; errors: FieldError[] } {
    const now = Date.now();
    const errors: FieldError[] = [];
    const prepared: Prepared[] = [];
    items.forEach((item, index) => {
      try {
        // A flow's jobs run when their parents let them: neither delayed nor deduplicated.
        const options = { ...item.options, runAt: undefined, unique: false as const, tenant: flow.tenant, requestId: flow.requestId };
        prepared.push(this.prepare(item.job, item.payload, options, now, trace));
      } catch (err) {
        if (err instanceof PayloadTooLargeError) {
          throw new PayloadTooLargeError(err.jobType, err.limit, err.size, `${list}[${index}].payload`);
        }
        if (!(err instanceof InvalidPayloadError)) throw err;
        for (const { field, reason } of err.errors) {
          const path = !err.inPayload ? field : field ? `payload.${field}` : 'payload';
          errors.push({ field: `${list}[${index}].${path}`, reason });
        }
      }
    });
    return { prepared, errors };
  }

  /** Commits a flow's jobs, edges and first messages in one transaction, then lets its first jobs go. */
  private async commitFlow(kind: 'flow' | 'batch', writes: FlowNodeWrite[], prepared: Prepared[], options: FlowOptions): Promise<string> {
    const { full, backlog } = await this.relay.isBacklogFull();
    if (full) throw new BacklogFullError(backlog);
    const flowId = uuidv7();
    const now = prepared[0].record.createdAt;
    await this.flowStore.createFlow({ id: flowId, tenant: options.tenant ?? DEFAULT_TENANT, kind, createdAt: now, nodes: writes });
    writes.forEach((write, i) => {
      if (write.message) this.created(prepared[i], true);
      else this.metrics.dispatched(write.job.type, write.job.queue);
    });
    this.flows.kick(flowId);
    return flowId;
  }

  /** Validates and builds a job and its message; throws InvalidPayloadError. */
  private prepare(job: JobDefinition, payload: object, options: DispatchOptions, now: number, trace: TraceCarrier | undefined): Prepared {
    const raw = checkedRaw(payload, job);
    checkPayloadSize(job, raw ?? payload, this.config.maxPayloadBytes.get(job.name));
    const validation = raw ? { ok: true as const, value: payload } : validatePayload(job, payload);
    if (!validation.ok) throw new InvalidPayloadError(job.name, validation.errors);
    checkDispatchOptions(job.name, options);
    const group = groupOf(job, options, validation.value);
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
      group,
      // Kept with the job for messages sent later (a flow's job, once its parents let it go).
      trace,
    };
    // A delayed job's message waits in the outbox until it is due; the relay publishes it then.
    const message = {
      ...firstAttemptMessage(record, now, { requestId: options.requestId, trace }),
      availableAt: delayed ? (options.runAt as number) : now + this.relay.inlineLeaseMs,
    };
    return { record, message, delayed };
  }

  /**
   * Hands a committed message to the broker now, or wakes the relay when a delayed one is due; a grouped job's
   * waits in its group, whose gate lets it go.
   */
  private release({ record, message, delayed }: Prepared): void {
    if (record.group) this.groups.kick(record.queue, delayed ? (record.runAt ?? undefined) : undefined);
    else if (delayed) this.relay.wakeAt(message.availableAt as number);
    else this.relay.publishNow(message);
  }

  /** A debounced job's new run time: whoever publishes it looks again then. */
  private wakeFor(record: Prepared['record']): void {
    if (record.group) this.groups.kick(record.queue, record.runAt ?? undefined);
    else this.relay.wakeAt(record.runAt as number);
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
