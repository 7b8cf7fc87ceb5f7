import type { BackoffPolicy, Job, JobDefinition, JobStatus, OnParentFailure, TraceCarrier, UniqueMode } from '@cask/contracts';

/** Per-dispatch settings that override the job definition's. */
export interface DispatchOptions {
  /**
   * 0 (lowest) to 9 (highest); with a backlog, higher runs first.
   * @defaultValue the job definition's `priority`
   */
  priority?: number;
  /** Attempts in all, 1–100. @defaultValue the definition's `retry.maxAttempts` */
  maxAttempts?: number;
  /** @defaultValue the definition's `retry.backoff` */
  backoff?: BackoffPolicy;
  /** How long one attempt may run, in ms. @defaultValue the definition's `timeoutMs` */
  timeoutMs?: number;
  /**
   * Not before this time (epoch ms): the job is `scheduled` until then, waiting in the store, then
   * `queued`. Up to 30 days ahead.
   */
  runAt?: number;
  /** Name of the schedule dispatching it; shown with the job. */
  schedule?: string;
  /**
   * The tenant the job belongs to: only that tenant's API keys see it, and its `Idempotency-Key`s are its
   * own. The HTTP api sets it from the request's key.
   * @defaultValue `'default'` (the tenant of an api without keys)
   */
  tenant?: string;
  /**
   * A client's key for this request: the same key with the same job and options returns the first job's
   * id instead of creating another; with anything different it is an `IdempotencyConflictError`.
   */
  idempotencyKey?: string;
  /**
   * What makes two requests with one `idempotencyKey` the same request. Defaults to the job as resolved
   * (type, payload, options after defaults); the HTTP layer passes the body as sent, so a `delay_ms`
   * repeated later still matches.
   */
  fingerprint?: unknown;
  /**
   * Id of the request that asked for the job (1 to 128 of `A-Z a-z 0-9 . _ : -`), e.g. your own HTTP
   * request's: it travels with the job message (header `x-cask-request-id`) onto the worker's log lines
   * about the job. `POST /jobs` passes its `X-Request-Id`.
   */
  requestId?: string;
  /**
   * The trace the dispatch continues when no span is active (OpenTelemetry): a carrier of W3C `traceparent`
   * and `tracestate`, e.g. an incoming request's or message's headers. An active span wins: with an SDK and an
   * HTTP instrumentation the request's span is already the parent. Cask's routes pass their request's.
   */
  traceContext?: TraceCarrier;
  /**
   * This dispatch's unique key, each field overriding the job definition's `unique`; `false` dispatches a job
   * whatever the definition says.
   */
  unique?: DispatchUnique | false;
  /**
   * The group the job shares its queue with (1 to 200 characters), instead of the value of the definition's
   * `group.by` field; `false` dispatches it ungrouped. The group's limits are the definition's `group`. See
   * `GroupPolicy`.
   */
  group?: string | false;
}

/** A dispatch's unique key settings (see `UniqueMode`). */
export interface DispatchUnique {
  /** @defaultValue the definition's, else `'drop'` */
  mode?: UniqueMode;
  /** Payload fields (dotted paths) whose values make the key. @defaultValue the definition's, else the whole payload */
  by?: readonly string[];
  /** The key itself (1 to 200 characters), instead of payload fields' values. */
  key?: string;
  /** The window in ms, up to 30 days. @defaultValue the definition's */
  forMs?: number;
}

/** What a dispatch became. */
export interface DispatchOutcome {
  jobId: string;
  /**
   * `created`: a new job. `existing`: the job holding the dispatch's unique key, or the job its idempotency key
   * made before; nothing was written. `debounced`: the job holding the unique key took this dispatch's payload
   * and options, and waits a new window.
   */
  outcome: 'created' | 'existing' | 'debounced';
  /** That job's status as the dispatch left it. */
  status: JobStatus;
  /** Whether a unique key applied to the dispatch. */
  unique: boolean;
}

/** One job of a batch dispatch. */
export interface BatchItem<P extends object = object> {
  job: JobDefinition<P, unknown>;
  payload: P;
  options?: Omit<DispatchOptions, 'idempotencyKey'>;
}

/** A flow job's settings: a job of a flow is neither delayed nor deduplicated. */
export type FlowJobOptions = Pick<DispatchOptions, 'priority' | 'maxAttempts' | 'backoff' | 'timeoutMs' | 'group'>;

/** A parent of a flow job: its key, and what the child does if it does not succeed. */
export interface FlowParent {
  key: string;
  /** @defaultValue `'fail'` (see `OnParentFailure`) */
  onFailure?: OnParentFailure;
}

/** One job of a flow. */
export interface FlowNode<P extends object = object> {
  /**
   * Names the job in its flow (1 to 64 of `A-Z a-z 0-9 _ . : -`, starting with a letter or digit): its children
   * list it in `parents`, and read its outcome as `ctx.parents[key]`.
   */
  key: string;
  job: JobDefinition<P, unknown>;
  payload: P;
  options?: FlowJobOptions;
  /** The jobs of the flow it runs after, by key (a `fail` edge), or with their edge's policy. */
  parents?: ReadonlyArray<string | FlowParent>;
}

/** Settings of a whole flow (or batch with a callback). */
export interface FlowOptions {
  /** @defaultValue `'default'` (see {@link DispatchOptions.tenant}) */
  tenant?: string;
  /** Carried onto the worker's log lines about each of its jobs (see {@link DispatchOptions.requestId}). */
  requestId?: string;
  /** The trace the flow continues when no span is active (see {@link DispatchOptions.traceContext}). */
  traceContext?: TraceCarrier;
}

/** A dispatched flow: its id (`GET /flows/:id`) and each job's id by key. */
export interface DispatchedFlow {
  flowId: string;
  jobIds: Record<string, string>;
}

/** A batch's callback: the job that runs once every job of the batch has finished, reading their counts. */
export interface BatchCallback<P extends object = object> {
  job: JobDefinition<P, unknown>;
  payload: P;
  options?: FlowJobOptions;
}

/** A dispatched batch with a callback. */
export interface DispatchedBatch {
  flowId: string;
  /** In the order given. */
  jobIds: string[];
  callbackId: string;
}

/**
 * Dispatches jobs and looks them up: the seed design's `Dispatch(handler, payload) → job id` and
 * `GetResult(job id)`. Inject this abstract class; the module binds the AMQP implementation, and unit
 * tests can bind {@link InMemoryAsyncDispatcher}.
 */
export abstract class AsyncDispatcher {
  /**
   * Validates the payload and records the job with its message in one transaction; resolves with the
   * job id once that is committed. The message reaches the broker at once, or from the outbox when the
   * broker is back. Rejects with `InvalidPayloadError` or `BacklogFullError` (nothing stored).
   */
  abstract dispatch<P extends object, R>(job: JobDefinition<P, R>, payload: P, options?: DispatchOptions): Promise<string>;

  /**
   * As {@link dispatch}, saying what the dispatch became: a new job, or (with a unique key) the job holding it.
   * This default, for dispatchers without unique keys, says `created`.
   */
  async dispatchJob<P extends object, R>(job: JobDefinition<P, R>, payload: P, options: DispatchOptions = {}): Promise<DispatchOutcome> {
    const jobId = await this.dispatch(job, payload, options);
    const status = options.runAt !== undefined && options.runAt > Date.now() ? 'scheduled' : 'queued';
    return { jobId, outcome: 'created', status, unique: false };
  }

  /**
   * Validates every item before storing any, then commits them all in one transaction. Resolves with the
   * job ids in order; rejects with `BatchValidationError` naming each bad item (nothing stored).
   */
  abstract dispatchMany(items: readonly BatchItem[]): Promise<string[]>;

  /**
   * Dispatches a flow: jobs that run after others (a DAG, checked acyclic), reading their parents' outcomes
   * in `ctx.parents`. A job without parents is queued at once; one with parents is `waiting` until they have
   * all finished, then runs, or fails with `parent_failed` where a `fail` edge's parent did not succeed. All
   * stored in one transaction, or none: rejects with `FlowValidationError` naming each bad field as
   * `nodes[<i>].<field>`.
   */
  abstract dispatchFlow(nodes: readonly FlowNode[], options?: FlowOptions): Promise<DispatchedFlow>;

  /**
   * As {@link dispatchMany}, with a callback job that runs once every job of the batch has finished (whatever
   * their outcome), reading how they ended in `ctx.batch`.
   */
  abstract dispatchBatch(items: readonly BatchItem[], callback: BatchCallback, options?: FlowOptions): Promise<DispatchedBatch>;

  /**
   * The job as it is now (camelCase, `Date`s; `result` once it succeeded), or null for an id never
   * dispatched, purged, or (given `tenant`) another tenant's.
   */
  abstract getResult<R = unknown>(jobId: string, tenant?: string): Promise<Job<R> | null>;
}
