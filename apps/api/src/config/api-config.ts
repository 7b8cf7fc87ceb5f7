import { JOB_QUEUE_TYPES, JobDefinition, JobQueueType, SigningKey, parseSigningKeys } from '@cask/contracts';
import { JOB_DEFINITIONS } from '@cask/examples';
import {
  DeploymentEnv,
  IntSetting,
  IsNamedCounts,
  IsSigningKeys,
  LOG_FORMATS,
  LOG_LEVELS,
  LogFormat,
  LogLevel,
  checkJobNames,
  defaultLogFormat,
  loadEnv,
  parseNamedCounts,
  resolveDeployment,
} from '@cask/host';
import { ApiKey, parseApiKeys } from '@cask/nestjs';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsApiKeys } from './is-api-keys';

/** The api's environment variables as they are spelled; see README "Configuration". */
class ApiEnv extends DeploymentEnv {
  @IntSetting(0, 65535)
  PORT: number = 3000;

  @Matches(/^amqps?:\/\/.+/, { message: 'must be an amqp:// or amqps:// URL' })
  AMQP_URL: string = 'amqp://guest:guest@localhost:5672';

  @Matches(/^[a-z0-9][a-z0-9_.-]*$/, { message: 'must be lower-case letters, digits, ".", "-" or "_"' })
  CASK_NAMESPACE: string = 'cask';

  @IsIn(JOB_QUEUE_TYPES, { message: 'must be classic or quorum' })
  CASK_JOB_QUEUE_TYPE: JobQueueType = 'classic';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  SQLITE_PATH: string = './data/cask.db';

  @IntSetting(1, 100)
  DATABASE_POOL_SIZE: number = 10;

  @IntSetting(100, 120_000)
  PUBLISH_CONFIRM_TIMEOUT_MS: number = 10_000;

  @IntSetting(1, 5000)
  EVENT_BATCH_SIZE: number = 500;

  @IntSetting(1, 10_000_000)
  OUTBOX_MAX_BACKLOG: number = 10_000;

  @IntSetting(50, 60_000)
  OUTBOX_POLL_MS: number = 1000;

  @IntSetting(1, 50)
  OUTBOX_PACK_MAX_JOBS: number = 20;

  @IntSetting(1, 100_000)
  GROUP_BUFFER: number = 64;

  @IntSetting(1000, 30 * 24 * 3600 * 1000, '30 days')
  IDEMPOTENCY_TTL_MS: number = 24 * 3600 * 1000;

  @IntSetting(0, 600_000)
  SHUTDOWN_GRACE_MS: number = 10_000;

  @IsOptional()
  @IntSetting(0)
  JOB_RETENTION_MS?: number;

  @IntSetting(50, 3_600_000)
  RETENTION_SWEEP_MS: number = 60_000;

  @IntSetting(0)
  TOMBSTONE_TTL_MS: number = 30 * 24 * 3600 * 1000;

  @IntSetting(0)
  DEAD_LETTER_RETENTION_MS: number = 30 * 24 * 3600 * 1000;

  @IntSetting(500, 3_600_000)
  WORKERS_TIMEOUT_MS: number = 15_000;

  @IsOptional()
  @IsNamedCounts(100_000)
  JOB_RATE_LIMITS?: string;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'log';

  @IsOptional()
  @IsIn(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT?: LogFormat;

  @IsOptional()
  @IsSigningKeys()
  CASK_SIGNING_KEYS?: string;

  @IsOptional()
  @Matches(/^\s*(\*|https?:\/\/[^\s,/]+)\s*(,\s*(\*|https?:\/\/[^\s,/]+)\s*)*$/, {
    message: 'must be origins separated by commas, e.g. "https://app.example.com,http://localhost:5173", or *',
  })
  CORS_ORIGINS?: string;

  @IsOptional()
  @IsApiKeys()
  CASK_API_KEYS?: string;

  @IntSetting(0, 1_000_000)
  RATE_LIMIT_PER_SECOND: number = 1000;

  @IntSetting(0, 1_000_000)
  DISPATCH_RATE_LIMIT_PER_SECOND: number = 5000;

  @IntSetting(0, 1_000_000_000)
  MAX_QUEUED_JOBS_PER_TENANT: number = 100_000;

  @IsOptional()
  @IsNamedCounts(16 * 1024 * 1024)
  JOB_MAX_PAYLOAD_BYTES?: string;
}

/** Every setting of the api, validated once at boot. */
export class ApiConfig {
  port: number;
  amqpUrl: string;
  /** Prefix of every exchange and queue; deployments sharing a broker use different ones. */
  namespace: string;
  /** The kind of the job queues; the api and the workers must agree. */
  jobQueueType: JobQueueType;
  /** PostgreSQL URL; when unset the embedded SQLite store at {@link sqlitePath} is used. */
  databaseUrl?: string;
  sqlitePath: string;
  databasePoolSize: number;
  /** How long a publish waits for the broker's confirm before the outbox relay takes the message over. */
  publishConfirmTimeoutMs: number;
  /** Events applied to the store in one transaction, at most; also the event consumer's prefetch. */
  eventBatchSize: number;
  /** Jobs the outbox may hold while the broker is away; past it dispatch answers 503. */
  outboxMaxBacklog: number;
  /** How often the relay looks for messages to publish. */
  outboxPollMs: number;
  /** Most jobs one message carries; 1 sends every job alone. */
  outboxPackMaxJobs: number;
  /** Per queue, most grouped jobs let go and not started. */
  groupBuffer: number;
  /** How long an `Idempotency-Key` is remembered. */
  idempotencyTtlMs: number;
  /** How long shutdown waits for the event consumer and relay to finish what they hold. */
  shutdownGraceMs: number;
  /** When set, how long finished jobs of every type are kept, overriding their definitions. */
  jobRetentionMs?: number;
  /** How often finished jobs past their retention are purged. */
  retentionSweepMs: number;
  /** How long a purged job's id keeps answering 410 before it answers 404. */
  tombstoneTtlMs: number;
  /** How long dead letters are kept unless redriven or discarded first. */
  deadLetterRetentionMs: number;
  /** How long a worker may stay silent before `GET /workers` stops listing it. */
  workersTimeoutMs: number;
  /** Jobs started per second per type across all workers, overriding the definitions' `rateLimitPerSecond`. */
  rateLimits: ReadonlyMap<string, number>;
  logLevel: LogLevel;
  /** `json` (one object per line) or `pretty`; unset: json when NODE_ENV=production, else pretty. */
  logFormat: LogFormat;
  /** Keys that sign every message this app publishes and check every message it consumes; empty: unsigned. */
  signingKeys: readonly SigningKey[];
  /** Origins browsers may call the api from (`*`: any); empty: no CORS headers. */
  corsOrigins: readonly string[];
  /** `NODE_ENV=production`: the api refused to start open, with `guest` or with plain AMQP to another host. */
  production: boolean;
  /** CA bundle for an `amqps://` broker with a private CA. */
  brokerCa?: Buffer;
  /** API keys (digests only) with their tenant and scope; empty: the api is open. */
  apiKeys: readonly ApiKey[];
  /** Requests per second per tenant (and per client without a valid key); 0: no limit. */
  rateLimitPerSecond: number;
  /** Jobs dispatched per second per tenant; 0: no limit. */
  dispatchRateLimitPerSecond: number;
  /** Jobs of one tenant waiting (queued, scheduled, retrying) at once; 0: no cap. */
  maxQueuedJobsPerTenant: number;
  /** Per-type payload size limits in bytes, overriding the definitions' `maxPayloadBytes`. */
  maxPayloadBytes: ReadonlyMap<string, number>;
}

/**
 * Reads the api's configuration; throws one error naming every bad variable, including job types that
 * `jobs` (the example jobs unless told) do not know.
 */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env, jobs: readonly JobDefinition[] = JOB_DEFINITIONS): ApiConfig {
  const e = loadEnv(ApiEnv, env);
  const rateLimits = parseNamedCounts(e.JOB_RATE_LIMITS);
  const maxPayloadBytes = parseNamedCounts(e.JOB_MAX_PAYLOAD_BYTES);
  checkJobNames(jobs, { types: { JOB_RATE_LIMITS: rateLimits, JOB_MAX_PAYLOAD_BYTES: maxPayloadBytes } });
  const apiKeys = e.CASK_API_KEYS ? parseApiKeys(e.CASK_API_KEYS) : [];
  const { production, brokerCa } = resolveDeployment(e, [
    ...(apiKeys.length === 0 ? ['CASK_API_KEYS: required; the api refuses to run open'] : []),
    ...(e.CASK_SIGNING_KEYS ? [] : ['CASK_SIGNING_KEYS: required; unsigned messages would let any broker account run jobs']),
  ]);
  return {
    port: e.PORT,
    amqpUrl: e.AMQP_URL,
    namespace: e.CASK_NAMESPACE,
    jobQueueType: e.CASK_JOB_QUEUE_TYPE,
    databaseUrl: e.DATABASE_URL,
    sqlitePath: e.SQLITE_PATH,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    publishConfirmTimeoutMs: e.PUBLISH_CONFIRM_TIMEOUT_MS,
    eventBatchSize: e.EVENT_BATCH_SIZE,
    outboxMaxBacklog: e.OUTBOX_MAX_BACKLOG,
    outboxPollMs: e.OUTBOX_POLL_MS,
    outboxPackMaxJobs: e.OUTBOX_PACK_MAX_JOBS,
    groupBuffer: e.GROUP_BUFFER,
    idempotencyTtlMs: e.IDEMPOTENCY_TTL_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    jobRetentionMs: e.JOB_RETENTION_MS,
    retentionSweepMs: e.RETENTION_SWEEP_MS,
    tombstoneTtlMs: e.TOMBSTONE_TTL_MS,
    deadLetterRetentionMs: e.DEAD_LETTER_RETENTION_MS,
    workersTimeoutMs: e.WORKERS_TIMEOUT_MS,
    rateLimits,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? defaultLogFormat(e.NODE_ENV),
    signingKeys: e.CASK_SIGNING_KEYS ? parseSigningKeys(e.CASK_SIGNING_KEYS) : [],
    corsOrigins: e.CORS_ORIGINS ? e.CORS_ORIGINS.split(',').map((origin) => origin.trim()) : [],
    production,
    brokerCa,
    apiKeys,
    rateLimitPerSecond: e.RATE_LIMIT_PER_SECOND,
    dispatchRateLimitPerSecond: e.DISPATCH_RATE_LIMIT_PER_SECOND,
    maxQueuedJobsPerTenant: e.MAX_QUEUED_JOBS_PER_TENANT,
    maxPayloadBytes,
  };
}
