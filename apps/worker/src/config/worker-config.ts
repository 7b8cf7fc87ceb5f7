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
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { hostname } from 'node:os';

/** The worker's environment variables as they are spelled; see README "Configuration". */
class WorkerEnv extends DeploymentEnv {
  @Matches(/^amqps?:\/\/.+/, { message: 'must be an amqp:// or amqps:// URL' })
  AMQP_URL: string = 'amqp://guest:guest@localhost:5672';

  @Matches(/^[a-z0-9][a-z0-9_.-]*$/, { message: 'must be lower-case letters, digits, ".", "-" or "_"' })
  CASK_NAMESPACE: string = 'cask';

  @IsIn(JOB_QUEUE_TYPES, { message: 'must be classic or quorum' })
  CASK_JOB_QUEUE_TYPE: JobQueueType = 'classic';

  @IntSetting(1, 1000)
  WORKER_CONCURRENCY: number = 16;

  @IsOptional()
  @IsString()
  @MaxLength(100, { message: 'must be at most 100 characters' })
  WORKER_ID?: string;

  @IntSetting(100, 120_000)
  PUBLISH_CONFIRM_TIMEOUT_MS: number = 10_000;

  @IntSetting(0, 3_600_000)
  WORKER_SHUTDOWN_GRACE_MS: number = 30_000;

  @IntSetting(0, 3_600_000)
  WORKER_PACK_SPLIT_MS: number = 1000;

  @IntSetting(0, 65535)
  WORKER_HEALTH_PORT: number = 3001;

  @IsIn(['true', 'false'], { message: 'must be true or false' })
  WORKER_ENABLE_CRASH_DEMO: string = 'false';

  @IsOptional()
  @Matches(/^\s*[a-z0-9][a-z0-9_-]*\s*(,\s*[a-z0-9][a-z0-9_-]*\s*)*$/, {
    message: 'must be job queue names separated by commas, e.g. "video" or "default,video"',
  })
  WORKER_QUEUES?: string;

  @IsOptional()
  @IsNamedCounts(10_000)
  WORKER_TYPE_CONCURRENCY?: string;

  @IsOptional()
  @IsNamedCounts(100_000)
  JOB_RATE_LIMITS?: string;

  @IntSetting(100, 600_000)
  WORKER_HEARTBEAT_MS: number = 5000;

  @IntSetting(0, 60_000)
  WORKER_STARTED_EVENT_DELAY_MS: number = 20;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'log';

  @IsOptional()
  @IsIn(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT?: LogFormat;

  @IsOptional()
  @IsSigningKeys()
  CASK_SIGNING_KEYS?: string;
}

/** Every setting of the worker, validated once at boot. */
export class WorkerConfig {
  amqpUrl: string;
  namespace: string;
  /** The kind of the job queues; the api and the workers must agree. */
  jobQueueType: JobQueueType;
  /** Jobs this process runs at once; also each queue consumer's prefetch. */
  concurrency: number;
  /** Names this process in job history and logs. */
  workerId: string;
  publishConfirmTimeoutMs: number;
  /** On SIGTERM, how long running jobs may take to finish before they are aborted and requeued. */
  shutdownGraceMs: number;
  /** How long a finished job of a pack may wait on slower siblings before the rest is split off; 0 never. */
  packSplitMs: number;
  /** Port of `/health/live`, `/health/ready` and `/metrics`; 0 picks a free one (logged). */
  healthPort: number;
  /** Lets the `demo.fault` example job kill its worker (for fault-injection tests only). */
  enableCrashDemo: boolean;
  /** Job queues to consume (`WORKER_QUEUES`); undefined: every queue of the catalogue. */
  queues?: readonly string[];
  /** Per-type caps on jobs running at once in this worker, overriding the definitions' `concurrency`. */
  typeConcurrency: ReadonlyMap<string, number>;
  /** Jobs started per second per type across all workers, overriding the definitions' `rateLimitPerSecond`. */
  rateLimits: ReadonlyMap<string, number>;
  /** How often the worker tells the api it is alive. */
  heartbeatMs: number;
  /** How long an attempt runs before its `started` event is sent; shorter attempts report only their outcome. */
  startedEventDelayMs: number;
  logLevel: LogLevel;
  /** `json` (one object per line) or `pretty`; unset: json when NODE_ENV=production, else pretty. */
  logFormat: LogFormat;
  /** Keys that sign every message this app publishes and check every message it consumes; empty: unsigned. */
  signingKeys: readonly SigningKey[];
  /** `NODE_ENV=production`: the worker refused to start with `guest`, plain AMQP to another host, or unsigned. */
  production: boolean;
  /** CA bundle for an `amqps://` broker with a private CA. */
  brokerCa?: Buffer;
}

/**
 * Reads the worker's configuration; throws one error naming every bad variable, including queues and job
 * types that `jobs` (the example jobs unless told) do not know.
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env, jobs: readonly JobDefinition[] = JOB_DEFINITIONS): WorkerConfig {
  const e = loadEnv(WorkerEnv, env);
  const queues = e.WORKER_QUEUES === undefined ? undefined : [...new Set(e.WORKER_QUEUES.split(',').map((queue) => queue.trim()))];
  const typeConcurrency = parseNamedCounts(e.WORKER_TYPE_CONCURRENCY);
  const rateLimits = parseNamedCounts(e.JOB_RATE_LIMITS);
  checkJobNames(jobs, {
    queues: { WORKER_QUEUES: queues },
    types: { WORKER_TYPE_CONCURRENCY: typeConcurrency, JOB_RATE_LIMITS: rateLimits },
  });
  const { production, brokerCa } = resolveDeployment(e, [
    ...(e.CASK_SIGNING_KEYS ? [] : ['CASK_SIGNING_KEYS: required; without it any broker account could make workers run jobs']),
  ]);
  return {
    amqpUrl: e.AMQP_URL,
    namespace: e.CASK_NAMESPACE,
    jobQueueType: e.CASK_JOB_QUEUE_TYPE,
    concurrency: e.WORKER_CONCURRENCY,
    workerId: e.WORKER_ID ?? `${hostname()}-${process.pid}`,
    publishConfirmTimeoutMs: e.PUBLISH_CONFIRM_TIMEOUT_MS,
    shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
    packSplitMs: e.WORKER_PACK_SPLIT_MS,
    healthPort: e.WORKER_HEALTH_PORT,
    enableCrashDemo: e.WORKER_ENABLE_CRASH_DEMO === 'true',
    queues,
    typeConcurrency,
    rateLimits,
    heartbeatMs: e.WORKER_HEARTBEAT_MS,
    startedEventDelayMs: e.WORKER_STARTED_EVENT_DELAY_MS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? defaultLogFormat(e.NODE_ENV),
    signingKeys: e.CASK_SIGNING_KEYS ? parseSigningKeys(e.CASK_SIGNING_KEYS) : [],
    production,
    brokerCa,
  };
}
