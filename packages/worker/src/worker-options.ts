import type { JobDefinition, JobQueueType, SigningKey } from '@cask/contracts';
import type { Registry } from 'prom-client';

/** How the worker reaches RabbitMQ. */
export interface CaskWorkerBrokerOptions {
  /** An `amqp://` or `amqps://` URL. */
  url: string;
  /** CA bundle (PEM) for an `amqps://` broker whose certificate a private CA signed. */
  ca?: Buffer;
  /**
   * How long a publish (an outcome, a retry) waits for the broker's confirm before it is tried again.
   * @defaultValue 10 000 ms
   */
  confirmTimeoutMs?: number;
}

/** Options of `CaskWorkerModule.forRoot`. Job types may also come from `CaskWorkerModule.forFeature`. */
export interface CaskWorkerModuleOptions {
  /** The job definitions this worker knows; each on a queue it consumes needs exactly one `@JobHandler`. */
  jobs?: readonly JobDefinition[];
  broker: CaskWorkerBrokerOptions;
  /**
   * Prefix of every exchange and queue: the same as the api side's.
   * @defaultValue `'cask'`
   */
  namespace?: string;
  /** The kind of the job queues, the same as the api side's `jobQueueType`. @defaultValue `'classic'` */
  jobQueueType?: JobQueueType;
  /**
   * Names this worker in job history, `GET /workers` and logs.
   * @defaultValue `<hostname>-<pid>`
   */
  workerId?: string;
  /**
   * Jobs this worker runs at once; also each job queue consumer's prefetch.
   * @defaultValue 16
   */
  concurrency?: number;
  /**
   * The job queues to consume.
   * @defaultValue every queue of the job definitions
   */
  queues?: readonly string[];
  /**
   * Caps on jobs of a type running at once in this worker, overriding the definitions' `concurrency`.
   * @defaultValue each definition's `concurrency` (none unless it says so)
   */
  typeConcurrency?: Readonly<Record<string, number>>;
  /**
   * Jobs started per second per type across all workers, overriding the definitions' `rateLimitPerSecond`
   * (the api side issues the start tokens, so give it the same).
   * @defaultValue each definition's `rateLimitPerSecond` (none unless it says so)
   */
  rateLimits?: Readonly<Record<string, number>>;
  /**
   * How often the worker tells the api it is alive.
   * @defaultValue 5 000 ms
   */
  heartbeatMs?: number;
  /**
   * How long an attempt runs before its `started` event is sent; shorter attempts report only their outcome.
   * @defaultValue 20 ms
   */
  startedEventDelayMs?: number;
  /**
   * On shutdown, how long running jobs may take to finish before they are aborted and requeued.
   * @defaultValue 30 000 ms
   */
  shutdownGraceMs?: number;
  /**
   * How long a finished job of a message carrying several jobs may wait on its slower siblings before the
   * unfinished rest is split off into a message of its own (and the original acked), so that a crash from then
   * on re-runs only the rest; 0 never splits ([message format](docs/reference/message-format.md)).
   * @defaultValue 1 000 ms
   */
  packSplitMs?: number;
  /**
   * Keys that check every job message and sign every event: the same as the api side's. Without keys the
   * worker runs any well-formed job message, and a warning is logged.
   * @defaultValue `[]`
   */
  signingKeys?: readonly SigningKey[];
  /**
   * A prom-client registry for the worker's metrics (README "Metrics").
   * @defaultValue none: the metrics are counted but not registered anywhere
   */
  metricsRegistry?: Registry;
}
