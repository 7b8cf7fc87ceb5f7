/** Names of every exchange and queue Cask uses, all under one namespace. */
export interface CaskTopology {
  readonly namespace: string;
  /** Direct exchange jobs are published to; the routing key is the job's queue name. */
  readonly jobsExchange: string;
  /** Direct exchange workers publish events to. */
  readonly eventsExchange: string;
  /** The queue the api consumes events from. */
  readonly eventsQueue: string;
  /** Routing key of event messages. */
  readonly eventsRoutingKey: string;
  /** Fanout exchange for messages no process could handle. */
  readonly deadLetterExchange: string;
  /** Where dead letters wait for an operator, with the reason in their headers. */
  readonly deadLetterQueue: string;
  /**
   * Stream of control commands (job cancellations) every worker reads, from the start of its retention
   * window, so a worker that was offline when a job was cancelled still knows.
   */
  readonly controlStream: string;
  /** Quorum queue the api reads worker heartbeats from. */
  readonly workersQueue: string;
  /** Routing key of heartbeats on the events exchange. */
  readonly heartbeatRoutingKey: string;
  /** Highest job priority a job queue accepts. */
  readonly maxPriority: number;
  /**
   * The kind of the job and suspect queues: `classic` (priorities 0-9) or `quorum` (replicated, faster on these
   * machines; no priorities on RabbitMQ 3.x, two levels on 4.x).
   */
  readonly jobQueueType: JobQueueType;
  /** The broker queue that holds a job queue's messages. */
  jobQueue(queue: string): string;
  /**
   * Where messages redelivered after a worker died wait, to run one at a time per worker so that a job
   * that kills its worker is found out without taking its neighbours along.
   */
  suspectQueue(queue: string): string;
  /**
   * Where jobs held by a worker that died go to run again, at full concurrency, beside the job queue rather than
   * behind its backlog; held at a second crash, a job goes to the suspect queue instead.
   */
  rescueQueue(queue: string): string;
  /** The queue where a job queue's retries wait `delayMs` before returning to it. */
  delayQueue(queue: string, delayMs: number): string;
  /**
   * The queue where one worker process (`holder`) keeps the unfinished rest of job messages it split, so that
   * acking their finished jobs does not wait on slower siblings. Only that process consumes it; if it dies, the
   * messages expire and dead-letter to the job queue's suspect queue.
   */
  holdQueue(queue: string, holder: string): string;
  /** The part of every hold queue's name before the job queue's: how a dead letter from one is recognised. */
  readonly holdQueuePrefix: string;
}

/** Headers Cask sets on dead-lettered messages. */
export const DeadLetterHeader = {
  /** Short machine-readable reason, e.g. `malformed` or `unknown_type`. */
  Reason: 'x-cask-reason',
  /** Human-readable detail. */
  Detail: 'x-cask-detail',
  /** The queue the message was taken from. */
  SourceQueue: 'x-cask-source-queue',
  /** When it was dead-lettered, epoch milliseconds. */
  At: 'x-cask-dead-lettered-at',
  /** Set on suspect messages: how many times the job was running when its worker died. */
  Crashes: 'x-cask-crashes',
} as const;

const NAMESPACE = /^[a-z0-9][a-z0-9_.-]*$/;

/** The kinds a job queue may be. */
export const JOB_QUEUE_TYPES = ['classic', 'quorum'] as const;
export type JobQueueType = (typeof JOB_QUEUE_TYPES)[number];

/**
 * Topology names for a namespace. Separate namespaces on one broker never see each other's messages.
 * @param namespace - prefix of every name; @defaultValue `'cask'`
 * @param jobQueueType - see {@link CaskTopology.jobQueueType}; the api and every worker of a namespace must agree,
 *   and a namespace's existing queues keep the kind they were declared with; @defaultValue `'classic'`
 */
export function topologyFor(namespace = 'cask', jobQueueType: JobQueueType = 'classic'): CaskTopology {
  if (!NAMESPACE.test(namespace)) {
    throw new TypeError(`Namespace "${namespace}" must be lower-case letters, digits, ".", "-" or "_"`);
  }
  if (!JOB_QUEUE_TYPES.includes(jobQueueType)) throw new TypeError(`Job queue type "${String(jobQueueType)}" must be classic or quorum`);
  return Object.freeze({
    namespace,
    jobsExchange: `${namespace}.jobs`,
    eventsExchange: `${namespace}.events`,
    eventsQueue: `${namespace}.events`,
    eventsRoutingKey: 'event',
    deadLetterExchange: `${namespace}.dlx`,
    deadLetterQueue: `${namespace}.dead`,
    controlStream: `${namespace}.control`,
    workersQueue: `${namespace}.workers`,
    heartbeatRoutingKey: 'heartbeat',
    maxPriority: 9,
    jobQueueType,
    jobQueue: (queue: string) => `${namespace}.jobs.${queue}`,
    suspectQueue: (queue: string) => `${namespace}.suspect.${queue}`,
    rescueQueue: (queue: string) => `${namespace}.rescue.${queue}`,
    delayQueue: (queue: string, delayMs: number) => `${namespace}.delay.${queue}.${delayMs}`,
    holdQueue: (queue: string, holder: string) => `${namespace}.held.${queue}.${holder}`,
    holdQueuePrefix: `${namespace}.held.`,
  });
}
