import {
  BatchCounts,
  DEFAULT_TENANT,
  ErrorCode,
  FieldError,
  Job,
  JobContext,
  JobDefinition,
  JobHandlerFn,
  ParentOutcome,
  isTerminalStatus,
  toJobError,
  validatePayload,
} from '@cask/contracts';
import { v7 as uuidv7 } from 'uuid';
import {
  AsyncDispatcher,
  BatchCallback,
  BatchItem,
  DispatchOptions,
  DispatchOutcome,
  DispatchedBatch,
  DispatchedFlow,
  FlowJobOptions,
  FlowNode,
  FlowOptions,
} from './async-dispatcher';
import { BatchValidationError, FlowValidationError } from './dispatch-errors';
import { FlowShapeNode, checkFlowShape } from './flow-graph';
import { flowShape } from './flow-nodes';
import { checkDispatchOptions, checkPayloadSize } from './dispatch-options';
import { InvalidPayloadError } from './invalid-payload.error';
import { groupOf } from './group-key';
import { uniqueKeyOf, uniquePolicyOf } from './unique-key';

/** A group's running jobs and those waiting for room, in dispatch order. */
interface GroupSlots {
  running: number;
  waiting: Array<() => void>;
}

/**
 * Runs jobs in this process, for users' unit tests: no broker, no store. Register the handlers a test
 * needs, dispatch, then `await dispatcher.drain()` before reading results. Retryable failures are
 * retried up to `maxAttempts` at once, without the backoff wait; timeouts are not enforced. A group's
 * `concurrency` (and `fifo`) hold, its `rate` does not.
 *
 * ```ts
 * const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, (payload) => ({ delivered_to: payload.email, message_id: 'm1' }));
 * const moduleRef = await Test.createTestingModule({ ... }).overrideProvider(AsyncDispatcher).useValue(dispatcher).compile();
 * ```
 */
export class InMemoryAsyncDispatcher extends AsyncDispatcher {
  private readonly handlers = new Map<string, JobHandlerFn<object, unknown>>();
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Set<Promise<void>>();
  private readonly uniqueKeys = new Map<string, { jobId: string; expiresAt?: number }>();
  private readonly debouncing = new Map<string, { payload: object; restart(): void; release(): void }>();
  private readonly groups = new Map<string, GroupSlots>();
  /** Each waiting or running grouped job's group, and the group's cap. */
  private readonly groupOfJob = new Map<string, { id: string; cap: number }>();
  /** What a flow job reads of its parents, from when they let it go. */
  private readonly inputs = new Map<string, { parents: Record<string, ParentOutcome>; batch?: BatchCounts }>();

  register<P extends object, R>(job: JobDefinition<P, R>, handler: JobHandlerFn<P, R>): this {
    this.handlers.set(job.name, handler as JobHandlerFn<object, unknown>);
    return this;
  }

  override async dispatch<P extends object, R>(job: JobDefinition<P, R>, payload: P, options: DispatchOptions = {}): Promise<string> {
    return (await this.dispatchJob(job, payload, options)).jobId;
  }

  /**
   * Unique keys behave as with the store: `drop` answers the job holding the key while it waits or runs,
   * `throttle` for its window; a `debounce` job waits its quiet window (or the next {@link drain}), each
   * dispatch within it replacing its payload.
   */
  override async dispatchJob<P extends object, R>(
    job: JobDefinition<P, R>,
    payload: P,
    options: DispatchOptions = {},
  ): Promise<DispatchOutcome> {
    checkPayloadSize(job, payload);
    const validation = validatePayload(job, payload);
    if (!validation.ok) throw new InvalidPayloadError(job.name, validation.errors);
    checkDispatchOptions(job.name, options);
    const group = groupOf(job, options, validation.value);
    const handler = this.handlers.get(job.name);
    if (!handler) throw new Error(`InMemoryAsyncDispatcher: no handler registered for "${job.name}"`);
    const policy = uniquePolicyOf(job, options);
    const key = policy && uniqueKeyOf(policy, options.tenant ?? DEFAULT_TENANT, job.name, validation.value);
    const now = Date.now();
    const held = key === undefined ? undefined : this.uniqueKeys.get(key);
    const holder = held && (held.expiresAt === undefined || held.expiresAt > now) ? this.jobs.get(held.jobId) : undefined;
    if (policy && holder && (policy.mode === 'throttle' || (policy.mode === 'drop' && !isTerminalStatus(holder.status)))) {
      return { jobId: holder.id, outcome: 'existing', status: holder.status, unique: true };
    }
    const waiting = holder && this.debouncing.get(holder.id);
    if (policy?.mode === 'debounce' && holder && waiting) {
      holder.payload = validation.value;
      waiting.payload = validation.value;
      waiting.restart();
      return { jobId: holder.id, outcome: 'debounced', status: holder.status, unique: true };
    }
    const id = uuidv7();
    if (key !== undefined) {
      const windowMs = policy?.forMs;
      this.uniqueKeys.set(key, {
        jobId: id,
        expiresAt: windowMs === undefined || policy?.mode === 'debounce' ? undefined : now + windowMs,
      });
    }
    const view: Job = {
      id,
      type: job.name,
      queue: job.queue,
      status: 'queued',
      payload: validation.value,
      attempts: 0,
      maxAttempts: options.maxAttempts ?? job.retry.maxAttempts,
      progress: null,
      result: null,
      error: null,
      nextAttemptAt: null,
      runAt: null,
      schedule: options.schedule ?? null,
      group: group?.key ?? null,
      flowId: null,
      priority: options.priority ?? job.priority,
      // Handlers run in this process: there is no worker to name.
      worker: null,
      tenant: options.tenant ?? DEFAULT_TENANT,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
    };
    this.jobs.set(id, view);
    if (group?.concurrency !== undefined) {
      this.groupOfJob.set(id, { id: JSON.stringify([view.tenant, job.queue, group.key]), cap: group.concurrency });
    }
    if (policy?.mode === 'debounce') {
      view.status = 'scheduled';
      this.debounce(view, handler, validation.value, options.requestId, policy.forMs as number);
      return { jobId: id, outcome: 'created', status: view.status, unique: true };
    }
    this.start(view, handler, validation.value, options.requestId);
    return { jobId: id, outcome: 'created', status: 'queued', unique: policy !== undefined };
  }

  private start(view: Job, handler: JobHandlerFn<object, unknown>, payload: object, requestId: string | undefined): void {
    const run = this.run(view, handler, payload, requestId).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Holds a debounced job for its quiet window, restarted by each dispatch within it. */
  private debounce(
    view: Job,
    handler: JobHandlerFn<object, unknown>,
    payload: object,
    requestId: string | undefined,
    windowMs: number,
  ): void {
    let timer: NodeJS.Timeout | undefined;
    const waiting = {
      payload,
      restart: () => {
        clearTimeout(timer);
        timer = setTimeout(waiting.release, windowMs).unref();
      },
      release: () => {
        clearTimeout(timer);
        this.debouncing.delete(view.id);
        view.status = 'queued';
        this.start(view, handler, waiting.payload, requestId);
      },
    };
    this.debouncing.set(view.id, waiting);
    waiting.restart();
  }

  override async dispatchMany(items: readonly BatchItem[]): Promise<string[]> {
    const errors: FieldError[] = [];
    items.forEach((item, index) => {
      const validation = validatePayload(item.job, item.payload);
      if (!validation.ok)
        errors.push(
          ...validation.errors.map(({ field, reason }) => ({ field: `jobs[${index}].payload${field ? `.${field}` : ''}`, reason })),
        );
      if (!this.handlers.has(item.job.name))
        errors.push({ field: `jobs[${index}].type`, reason: `no handler registered for "${item.job.name}"` });
      try {
        checkDispatchOptions(item.job.name, item.options ?? {});
      } catch (err) {
        if (!(err instanceof InvalidPayloadError)) throw err;
        errors.push(...err.errors.map(({ field, reason }) => ({ field: `jobs[${index}].${field}`, reason })));
      }
    });
    if (errors.length > 0) throw new BatchValidationError(errors);
    const ids: string[] = [];
    for (const item of items) ids.push(await this.dispatch(item.job, item.payload, item.options));
    return ids;
  }

  /** Runs each job once its parents have finished, as with the store; a job blocked by a `fail` edge fails unrun. */
  override async dispatchFlow(nodes: readonly FlowNode[], options: FlowOptions = {}): Promise<DispatchedFlow> {
    const shape = flowShape(nodes);
    const errors = [...checkFlowShape(shape), ...this.checkJobs(nodes, 'nodes')];
    if (errors.length > 0) throw new FlowValidationError(errors);
    const flowId = uuidv7();
    const views = nodes.map((node) => this.flowJob(node.job, node.payload, node.options, options, flowId));
    const byKey = new Map(shape.map((node, i) => [node.key, i]));
    const finished = new Map<string, Promise<void>>();
    const settle = (i: number): Promise<void> => {
      const key = shape[i].key;
      const known = finished.get(key);
      if (known) return known;
      const run = this.afterParents(views[i], shape[i], byKey, views, settle, options.requestId);
      finished.set(key, run);
      return run;
    };
    shape.forEach((_, i) => void this.track(settle(i)));
    return { flowId, jobIds: Object.fromEntries(shape.map((node, i) => [node.key, views[i].id])) };
  }

  override async dispatchBatch(items: readonly BatchItem[], callback: BatchCallback, options: FlowOptions = {}): Promise<DispatchedBatch> {
    const errors = this.checkJobs([...items, callback], 'jobs').map((error) =>
      error.field.startsWith(`jobs[${items.length}]`)
        ? { ...error, field: error.field.replace(`jobs[${items.length}]`, 'callback') }
        : error,
    );
    if (items.length === 0) errors.unshift({ field: 'jobs', reason: 'must hold at least one job' });
    if (errors.length > 0) throw new BatchValidationError(errors);
    const flowId = uuidv7();
    const members = items.map((item) => this.flowJob(item.job, item.payload, item.options, options, flowId));
    const last = this.flowJob(callback.job, callback.payload, callback.options, options, flowId);
    const runs = members.map((view, i) => {
      view.status = 'queued';
      return this.track(this.run(view, this.handlers.get(view.type)!, items[i].payload, options.requestId));
    });
    void this.track(
      Promise.all(runs).then(() => {
        const batch: BatchCounts = { total: members.length, succeeded: 0, failed: 0, cancelled: 0 };
        for (const view of members) batch[view.status as 'succeeded' | 'failed' | 'cancelled'] += 1;
        this.inputs.set(last.id, { parents: {}, batch });
        last.status = 'queued';
        return this.run(last, this.handlers.get(last.type)!, callback.payload, options.requestId);
      }),
    );
    return { flowId, jobIds: members.map((view) => view.id), callbackId: last.id };
  }

  /** Payload, handler and option errors of a flow's or batch's jobs, named `<list>[<i>].<field>`. */
  private checkJobs(items: ReadonlyArray<{ job: JobDefinition; payload: object; options?: object }>, list: string): FieldError[] {
    const errors: FieldError[] = [];
    items.forEach((item, index) => {
      const validation = validatePayload(item.job, item.payload);
      if (!validation.ok)
        errors.push(
          ...validation.errors.map(({ field, reason }) => ({ field: `${list}[${index}].payload${field ? `.${field}` : ''}`, reason })),
        );
      if (!this.handlers.has(item.job.name))
        errors.push({ field: `${list}[${index}].type`, reason: `no handler registered for "${item.job.name}"` });
      try {
        checkDispatchOptions(item.job.name, item.options ?? {});
      } catch (err) {
        if (!(err instanceof InvalidPayloadError)) throw err;
        errors.push(...err.errors.map(({ field, reason }) => ({ field: `${list}[${index}].${field}`, reason })));
      }
    });
    return errors;
  }

  /** A flow's job, `waiting` until its parents let it go. */
  private flowJob(job: JobDefinition, payload: object, options: FlowJobOptions | undefined, flow: FlowOptions, flowId: string): Job {
    const view: Job = {
      id: uuidv7(),
      type: job.name,
      queue: job.queue,
      status: 'waiting',
      payload,
      attempts: 0,
      maxAttempts: options?.maxAttempts ?? job.retry.maxAttempts,
      progress: null,
      result: null,
      error: null,
      nextAttemptAt: null,
      runAt: null,
      schedule: null,
      group: null,
      flowId,
      priority: options?.priority ?? job.priority,
      worker: null,
      tenant: flow.tenant ?? DEFAULT_TENANT,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
    };
    this.jobs.set(view.id, view);
    return view;
  }

  /** Waits for a flow job's parents, then runs it with their outcomes, or fails it unrun. */
  private async afterParents(
    view: Job,
    node: FlowShapeNode,
    byKey: ReadonlyMap<string, number>,
    views: readonly Job[],
    settle: (i: number) => Promise<void>,
    requestId: string | undefined,
  ): Promise<void> {
    await Promise.all(node.parents.map((parent) => settle(byKey.get(parent.key) as number)));
    const parents: Record<string, ParentOutcome> = {};
    for (const { key, onFailure } of node.parents) {
      const parent = views[byKey.get(key) as number];
      const status = parent.status as ParentOutcome['status'];
      if (status !== 'succeeded' && onFailure === 'fail') {
        view.status = 'failed';
        view.error = { code: ErrorCode.ParentFailed, message: `Parent "${key}" (${parent.type} ${parent.id}) ${status}`, retryable: false };
        view.finishedAt = new Date();
        return;
      }
      if (status !== 'succeeded' && onFailure === 'ignore') continue;
      parents[key] = { jobId: parent.id, type: parent.type, status, result: parent.result, error: parent.error };
    }
    this.inputs.set(view.id, { parents });
    view.status = 'queued';
    await this.run(view, this.handlers.get(view.type)!, view.payload, requestId);
  }

  private track(run: Promise<void>): Promise<void> {
    const tracked = run.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    return tracked;
  }

  override async getResult<R = unknown>(jobId: string, tenant?: string): Promise<Job<R> | null> {
    const job = this.jobs.get(jobId);
    if (!job || (tenant !== undefined && job.tenant !== tenant)) return null;
    return { ...job } as Job<R>;
  }

  /**
   * Resolves when every dispatched job has finished, including jobs dispatched by those jobs. Debounced jobs
   * still in their quiet window start now.
   */
  async drain(): Promise<void> {
    while (this.running.size > 0 || this.debouncing.size > 0) {
      for (const waiting of [...this.debouncing.values()]) waiting.release();
      await Promise.all([...this.running]);
    }
  }

  private async run(view: Job, handler: JobHandlerFn<object, unknown>, payload: object, requestId: string | undefined): Promise<void> {
    await Promise.resolve();
    const group = this.groupOfJob.get(view.id);
    if (!group) return this.attempts(view, handler, payload, requestId);
    const slots = this.groups.get(group.id) ?? this.groups.set(group.id, { running: 0, waiting: [] }).get(group.id)!;
    if (slots.running >= group.cap) await new Promise<void>((resolve) => slots.waiting.push(resolve));
    slots.running += 1;
    try {
      await this.attempts(view, handler, payload, requestId);
    } finally {
      slots.running -= 1;
      this.groupOfJob.delete(view.id);
      slots.waiting.shift()?.();
      if (slots.running === 0 && slots.waiting.length === 0) this.groups.delete(group.id);
    }
  }

  /** Runs a job's attempts until one succeeds, or one fails for good, or they are used up. */
  private async attempts(view: Job, handler: JobHandlerFn<object, unknown>, payload: object, requestId: string | undefined): Promise<void> {
    view.startedAt = new Date();
    const inputs = this.inputs.get(view.id);
    for (let attempt = 1; attempt <= view.maxAttempts; attempt += 1) {
      const controller = new AbortController();
      const context: JobContext = {
        jobId: view.id,
        type: view.type,
        attempt,
        maxAttempts: view.maxAttempts,
        requestId,
        parents: inputs?.parents ?? {},
        ...(inputs?.batch && { batch: inputs.batch }),
        signal: controller.signal,
        progress: async (value) => {
          view.progress = value;
        },
      };
      view.status = 'running';
      view.attempts = attempt;
      try {
        view.result = (await handler(payload, context)) ?? null;
        view.status = 'succeeded';
        view.error = null;
        break;
      } catch (err) {
        view.error = toJobError(err);
        view.status = view.error.retryable && attempt < view.maxAttempts ? 'retrying' : 'failed';
        if (view.status === 'failed') break;
      }
    }
    view.finishedAt = new Date();
    this.inputs.delete(view.id);
  }
}
