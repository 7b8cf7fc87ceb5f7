import type { Generated } from 'kysely';

/** The `jobs` table. JSON columns hold text; times are epoch milliseconds. */
export interface JobsTable {
  id: string;
  type: string;
  queue: string;
  status: string;
  payload: string;
  result: string | null;
  error: string | null;
  progress: string | null;
  attempts: Generated<number>;
  max_attempts: number;
  priority: Generated<number>;
  worker: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  series: Generated<number>;
  next_attempt_at: number | null;
  backoff: string | null;
  timeout_ms: number | null;
  /** When a delayed job becomes runnable. */
  run_at: number | null;
  /** The schedule that dispatched it. */
  schedule: string | null;
  /** The tenant that dispatched it. */
  tenant: Generated<string>;
  /** The key of its group (see `job_groups`), if any. */
  group_key: string | null;
  /** The flow it belongs to (see `flows`), if any. */
  flow_id: string | null;
  /** The trace context of its dispatch (JSON of a W3C carrier), for messages sent later (a flow's release); null: none. */
  trace: string | null;
}

/** Ids of purged jobs, so they answer 410 rather than 404. */
export interface JobTombstonesTable {
  id: string;
  purged_at: number;
  tenant: Generated<string>;
}

/** Cron schedules; each tick dispatches one job. */
export interface SchedulesTable {
  name: string;
  cron: string;
  timezone: string;
  type: string;
  payload: string;
  /** JSON of the dispatch options (priority, max_attempts, backoff, timeout_ms). */
  options: string;
  /** 0 or 1. */
  paused: number;
  /** `api` (made over HTTP) or `code` (declared next to a job definition). */
  source: string;
  next_run_at: number | null;
  last_run_at: number | null;
  created_at: number;
  updated_at: number;
  /** The tenant that owns it: its jobs are that tenant's. */
  tenant: Generated<string>;
}

/** Who holds a singleton task among api instances, until when. */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** Live workers, from their heartbeats. */
export interface WorkersTable {
  id: string;
  host: string;
  pid: number;
  /** JSON array of queue names. */
  queues: string;
  concurrency: number;
  in_flight: number;
  started_at: number;
  last_seen: number;
  /** JSON array of the job message formats the worker reads; null: format 1 only. */
  formats: string | null;
}

/** Every status change of a job, for its history. */
export interface JobTransitionsTable {
  job_id: string;
  series: number;
  attempt: number;
  status: string;
  at: number;
  worker: string | null;
  error: string | null;
}

/** Job messages committed with their job and not yet confirmed by the broker. */
export interface OutboxTable {
  id: string;
  job_id: string;
  routing_key: string;
  body: string;
  priority: number;
  created_at: number;
  /** Not before this time may the relay (re)try it; a claim pushes it forward. */
  available_at: number;
  /** null: the jobs exchange, by routing key; `control`: the control stream. */
  target: string | null;
  /** The request that dispatched the job, for the worker's log lines; null when unknown. */
  request_id: string | null;
  /** The trace context the message continues (JSON of a W3C carrier); null when nothing traced the dispatch. */
  trace: string | null;
}

/** `Idempotency-Key` headers seen, with the job each created. */
export interface IdempotencyKeysTable {
  key: string;
  request_hash: string;
  job_id: string;
  expires_at: number;
}

/** A unique key's holder: the job that dispatches with the key answer while the key lives (see `UniqueMode`). */
export interface UniqueKeysTable {
  key: string;
  job_id: string;
  mode: string;
  /** End of the key's window; null: as long as its job waits or runs (`drop` without `for`). */
  expires_at: number | null;
}

/** A job queue paused or resumed through the api: workers start none of a paused queue's jobs. */
export interface QueueStatesTable {
  queue: string;
  /** 1 while paused, 0 once resumed. */
  paused: number;
  changed_at: number;
}

/**
 * A group of jobs sharing a queue (per tenant, queue and key), with the limits its latest dispatch's definition
 * gave it: the api lets its jobs go to the workers within them.
 */
export interface JobGroupsTable {
  /** SHA-256 of tenant, queue and key. */
  id: string;
  tenant: string;
  queue: string;
  key: string;
  /** At most this many of its jobs let go and not finished; null: no cap. */
  concurrency: number | null;
  /** At most `rate_limit` jobs let go in any `rate_per_ms`; null: no rate limit. */
  rate_limit: number | null;
  rate_per_ms: number | null;
  /** 1: one at a time, in dispatch order. */
  fifo: number;
  /** When one of its jobs was last let go: the group whose turn is oldest goes first. */
  last_released_at: number | null;
  updated_at: number;
}

/**
 * A grouped job's message while it waits for its group (`released_at` null), then while it counts against the
 * group's limits (let go and not finished, or within the rate window).
 */
export interface GroupJobsTable {
  job_id: string;
  group_id: string;
  queue: string;
  /** Dispatch order within the group. */
  created_at: number;
  /** Not before this (a delayed job's run time). */
  due_at: number;
  /** When the job's message went to the outbox; null while it waits. */
  released_at: number | null;
  /** The job message, as the outbox would hold it. */
  message_id: string;
  body: string;
  priority: number;
  request_id: string | null;
  trace: string | null;
}

/** Per-second rate windows shared by api instances (rate-limiter-flexible's layout; see `SharedRateLimits`). */
export interface RateLimitsTable {
  /** `<limiter>:<key>`, e.g. `requests:tenant:acme`. */
  key: string;
  points: number;
  /** When the window ends, epoch milliseconds. */
  expire: number | null;
}

/** Flows: jobs some of which wait for others; a batch with a callback is one (`kind` `batch`). */
export interface FlowsTable {
  id: string;
  tenant: string;
  /** `flow` or `batch`. */
  kind: string;
  created_at: number;
}

/** A job of a flow, by its key in the flow. */
export interface FlowNodesTable {
  job_id: string;
  flow_id: string;
  key: string;
  /** 1 while the job may wait for its parents (its status `waiting`); 0 once released, settled or cancelled. */
  waiting: number;
  /** 1 for a batch's callback: it reads its parents' counts (`ctx.batch`), not their outcomes. */
  callback: number;
}

/** A child's dependency on a parent, within one flow. */
export interface FlowEdgesTable {
  flow_id: string;
  child_id: string;
  parent_id: string;
  /** What the child does if the parent does not succeed: `fail`, `continue` or `ignore`. */
  on_failure: string;
}

/**
 * Messages no process could handle, taken off the broker's dead-letter queue so that operators can read them
 * and act on them. Bodies and headers are text, cut at a size bound.
 */
export interface DeadLettersTable {
  id: string;
  /** The dead letter's AMQP message id, so a letter read twice (the api died before its ack) is stored once. */
  message_id: string | null;
  /** `x-cask-reason` (`exhausted`, `poison`, `malformed`, ...), else the broker's `x-death` reason. */
  reason: string;
  detail: string;
  source_queue: string | null;
  /** The job it is a message of, when its body is a job envelope. */
  job_id: string | null;
  type: string | null;
  /** The body cut at `DEAD_LETTER_BODY_LIMIT` bytes: as text, or base64 when it is not UTF-8 text. */
  body: string;
  /** `utf8` or `base64`. */
  body_encoding: string;
  body_bytes: number;
  /** JSON of the message's headers but Cask's dead-letter ones. */
  headers: string;
  dead_lettered_at: number;
  stored_at: number;
}

export interface Database {
  jobs: JobsTable;
  job_transitions: JobTransitionsTable;
  outbox: OutboxTable;
  rate_limits: RateLimitsTable;
  idempotency_keys: IdempotencyKeysTable;
  unique_keys: UniqueKeysTable;
  queue_states: QueueStatesTable;
  job_groups: JobGroupsTable;
  group_jobs: GroupJobsTable;
  flows: FlowsTable;
  flow_nodes: FlowNodesTable;
  flow_edges: FlowEdgesTable;
  dead_letters: DeadLettersTable;
  job_tombstones: JobTombstonesTable;
  schedules: SchedulesTable;
  workers: WorkersTable;
  leases: LeasesTable;
}
