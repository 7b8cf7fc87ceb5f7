import type { JobDefinition, JobQueueType, ScheduleDefinition, SigningKey } from '@cask/contracts';
import type { Kysely } from 'kysely';
import type { Pool } from 'pg';

/** How the api side reaches RabbitMQ. */
export interface CaskBrokerOptions {
  /** An `amqp://` or `amqps://` URL. */
  url: string;
  /**
   * Name the connection shows in RabbitMQ's management UI.
   * @defaultValue `'cask-api'`
   */
  connectionName?: string;
  /** CA bundle (PEM) for an `amqps://` broker whose certificate a private CA signed. */
  ca?: Buffer;
  /**
   * How long a publish waits for the broker's confirm before the outbox relay takes the message over.
   * @defaultValue 10 000 ms
   */
  confirmTimeoutMs?: number;
}

/** Options every store shares. */
export interface CaskStoreCommonOptions {
  /**
   * Put before the name of each of Cask's tables and indexes (`cask_` gives `cask_jobs`, `cask_outbox`, ...),
   * so they sit beside the host's own tables in one database. Letters, digits and `_`.
   * @defaultValue `''` (the tables are `jobs`, `outbox`, `schedules`, ...)
   */
  tablePrefix?: string;
}

/** The default store: one SQLite file (WAL, fsynced on every commit); for one api instance. */
export interface CaskSqliteStoreOptions extends CaskStoreCommonOptions {
  type: 'sqlite';
  /**
   * The file; its folder is created. `':memory:'` keeps nothing across restarts.
   * @defaultValue `'./data/cask.db'`
   */
  path?: string;
}

/** PostgreSQL, which several api instances can share. */
export interface CaskPostgresStoreOptions extends CaskStoreCommonOptions {
  type: 'postgres';
  /** A `postgres://` URL; Cask opens its own pool. Give this or {@link pool}. */
  url?: string;
  /**
   * The host's own `pg` pool, which Cask uses and never ends. Give this or {@link url}.
   */
  pool?: Pool;
  /**
   * Connections in the pool Cask opens for {@link url}.
   * @defaultValue 10
   */
  poolSize?: number;
  /**
   * A PostgreSQL schema for Cask's tables, created when missing.
   * @defaultValue the connection's search path (usually `public`)
   */
  schema?: string;
}

/**
 * The host's own Kysely instance (PostgreSQL or SQLite dialect): Cask's tables live in that database, and
 * Cask never destroys the instance. Its database type does not matter to Cask.
 */
export interface CaskKyselyStoreOptions extends CaskStoreCommonOptions {
  type: 'kysely';
  // The host's own database type, which Cask's tables are not part of.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  kysely: Kysely<any>;
  /** PostgreSQL only: see {@link CaskPostgresStoreOptions.schema}. */
  schema?: string;
}

/** Where jobs live. */
export type CaskStoreOptions = CaskSqliteStoreOptions | CaskPostgresStoreOptions | CaskKyselyStoreOptions;

/** The outbox: committed job messages waiting for the broker's confirm. */
export interface CaskOutboxOptions {
  /**
   * Messages the outbox may hold while the broker is away; past it, dispatch refuses with `BacklogFullError`
   * (HTTP 503) and readiness reports `outbox` down.
   * @defaultValue 10 000
   */
  maxBacklog?: number;
  /**
   * How often the relay looks for messages to publish (a delayed job's due time wakes it sooner).
   * @defaultValue 1 000 ms
   */
  pollMs?: number;
  /**
   * Most jobs one message carries. Jobs for the same queue and priority that are ready at once (a batch, a
   * burst of dispatches, a relay pass) share a message, since the broker's cost is per message; a lone job
   * still goes out at once, alone. At most 50 ({@link MAX_PACK_JOBS}); 1 sends every job alone (format 1),
   * for workers older than format 2.
   * @defaultValue 20
   */
  packMaxJobs?: number;
}

/** Groups (see `GroupPolicy`): how the api lets grouped jobs go to the workers. */
export interface CaskGroupsOptions {
  /**
   * Per queue, at most this many grouped jobs let go and not yet started. Workers take jobs in the order they
   * went, so the groups' turns hold only for what is not yet in the broker: a smaller buffer keeps a large
   * group's backlog from running ahead of a small one; a larger one keeps many workers busy with short jobs.
   * @defaultValue 64
   */
  buffer?: number;
  /**
   * How often every queue's groups are looked at without a dispatch or a worker's event to prompt it (for rate
   * windows, delayed jobs and other api instances' dispatches).
   * @defaultValue 1 000 ms
   */
  passMs?: number;
}

/** Retention of finished jobs. */
export interface CaskRetentionOptions {
  /**
   * How long finished jobs of every type are kept, overriding the definitions' `retentionMs`.
   * @defaultValue each definition's `retentionMs` (7 days unless it says otherwise)
   */
  jobRetentionMs?: number;
  /**
   * How often jobs past their retention are purged.
   * @defaultValue 60 000 ms
   */
  sweepMs?: number;
  /**
   * How long a purged job's id keeps answering 410 (`JobPurged`) before it answers 404.
   * @defaultValue 30 days
   */
  tombstoneTtlMs?: number;
  /**
   * How long dead letters are kept (from when they were dead-lettered) unless redriven or discarded first.
   * @defaultValue 30 days
   */
  deadLetterRetentionMs?: number;
}

/**
 * Limits on what a tenant may dispatch, enforced by `DispatchQuota.admit`: Cask's HTTP routes call it, and so
 * may the host's own routes that dispatch for a tenant.
 */
export interface CaskLimitsOptions {
  /**
   * Jobs a tenant may dispatch per second (per app instance); 0 for no limit.
   * @defaultValue 5 000
   */
  dispatchRatePerSecond?: number;
  /**
   * Jobs of one tenant that may wait (queued, scheduled or retrying) at once; 0 for no cap.
   * @defaultValue 100 000
   */
  maxQueuedJobsPerTenant?: number;
}

/** The api's side of the worker pool. */
export interface CaskWorkersOptions {
  /**
   * How long a worker may stay silent before `GET /workers` stops listing it.
   * @defaultValue 15 000 ms
   */
  timeoutMs?: number;
  /**
   * Jobs started per second per type across all workers, overriding the definitions' `rateLimitPerSecond`.
   * @defaultValue each definition's `rateLimitPerSecond` (none unless it says so)
   */
  rateLimits?: Readonly<Record<string, number>>;
}

/** Options of `CaskModule.forRoot`. Job types and code schedules may also come from `CaskModule.forFeature`. */
export interface CaskModuleOptions {
  /** The job definitions this app dispatches (`defineJob(...)`). */
  jobs?: readonly JobDefinition[];
  /**
   * Cron schedules declared in code (`defineSchedule(...)`): created or updated at start, removed when no
   * longer declared.
   * @defaultValue `[]`
   */
  schedules?: readonly ScheduleDefinition[];
  broker: CaskBrokerOptions;
  /**
   * Prefix of every exchange and queue; deployments sharing a broker (or a vhost) use different ones.
   * Workers must use the same one.
   * @defaultValue `'cask'`
   */
  namespace?: string;
  /**
   * The kind of the job queues: `classic` (priorities 0-9) or `quorum` (replicated; on RabbitMQ 3.x no
   * priorities, on 4.x two levels). Workers must use the same; a namespace's queues keep the kind they were first
   * declared with (use a new namespace to switch).
   * @defaultValue `'classic'`
   */
  jobQueueType?: JobQueueType;
  /** @defaultValue `{ type: 'sqlite', path: './data/cask.db' }` */
  store?: CaskStoreOptions;
  /**
   * Keys that sign every message this app publishes and check every message it consumes (the first signs;
   * all are accepted). Workers need the same keys. Without keys messages are unsigned and a warning is logged.
   * @defaultValue `[]`
   */
  signingKeys?: readonly SigningKey[];
  /** @defaultValue see {@link CaskOutboxOptions} */
  outbox?: CaskOutboxOptions;
  /**
   * Worker events applied to the store in one transaction, at most; also the event consumer's prefetch.
   * @defaultValue 500
   */
  eventBatchSize?: number;
  /**
   * How long an idempotency key is remembered.
   * @defaultValue 24 hours
   */
  idempotencyTtlMs?: number;
  /** @defaultValue see {@link CaskRetentionOptions} */
  retention?: CaskRetentionOptions;
  /** @defaultValue see {@link CaskLimitsOptions} */
  limits?: CaskLimitsOptions;
  /**
   * Largest payload per job type, in bytes of JSON, overriding the definitions' `maxPayloadBytes`.
   * @defaultValue each definition's `maxPayloadBytes` (64 KiB unless it says otherwise)
   */
  maxPayloadBytes?: Readonly<Record<string, number>>;
  /** @defaultValue see {@link CaskWorkersOptions} */
  workers?: CaskWorkersOptions;
  /** @defaultValue see {@link CaskGroupsOptions} */
  groups?: CaskGroupsOptions;
  /**
   * How long shutdown waits for the event consumer, the relay and the sweepers to finish what they hold.
   * @defaultValue 10 000 ms
   */
  shutdownGraceMs?: number;
}
