import type { BackoffPolicy, JobError, JobEvent, JobProgress, JobStatus, TraceCarrier, UniqueMode } from '@cask/contracts';

/** A job as the store keeps it (times in epoch milliseconds). */
export interface JobRecord {
  id: string;
  type: string;
  queue: string;
  status: JobStatus;
  payload: object;
  result: unknown;
  error: JobError | null;
  progress: JobProgress | null;
  attempts: number;
  maxAttempts: number;
  priority: number;
  worker: string | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** 1, then +1 for each redrive. */
  series: number;
  nextAttemptAt: number | null;
  backoff: BackoffPolicy;
  timeoutMs: number;
  /** For a delayed job: when it becomes runnable. */
  runAt: number | null;
  /** The schedule that dispatched it. */
  schedule: string | null;
  /** The tenant that dispatched it: only that tenant's API keys see it. */
  tenant: string;
  /** The key of the group it shares its queue with, if any. */
  group: string | null;
  /** The flow it belongs to, if any. */
  flowId: string | null;
  /** The trace context of its dispatch, which its messages continue; null when nothing traced it. */
  trace: TraceCarrier | null;
}

/** What dispatch writes for a new job. */
export type NewJob = Pick<
  JobRecord,
  'id' | 'type' | 'queue' | 'status' | 'payload' | 'maxAttempts' | 'priority' | 'createdAt' | 'backoff' | 'timeoutMs'
> &
  Partial<Pick<JobRecord, 'runAt' | 'schedule' | 'tenant' | 'flowId' | 'trace'>> & {
    /** Its group, if any: its message waits in the group until the group's turn and limits let it go. */
    group?: GroupClaim;
  };

/** The group a new job joins, with the limits its definition gives the group. */
export interface GroupClaim {
  key: string;
  concurrency?: number;
  rate?: { limit: number; perMs: number };
  fifo: boolean;
}

/** One status change in a job's history. */
export interface JobTransition {
  series: number;
  attempt: number;
  status: JobStatus;
  at: number;
  worker: string | null;
  error: JobError | null;
}

/** A job message waiting in the outbox until the broker confirms it. */
export interface OutboxMessage {
  id: string;
  jobId: string;
  /** The job's queue: the routing key on the jobs exchange. */
  routingKey: string;
  body: string;
  priority: number;
  createdAt: number;
  /** Not before this may the relay publish it; dispatch sets it past the inline publish's deadline. */
  availableAt?: number;
  /** Where it goes: a job queue (the default) or the workers' control stream. */
  target?: 'jobs' | 'control';
  /** The request that dispatched the job; published as the `x-cask-request-id` header. */
  requestId?: string;
  /** The trace context of the job's dispatch: the relay's `send` span continues it, and the message carries that on. */
  trace?: TraceCarrier;
}

/** An `Idempotency-Key` to record with a new job. */
export interface IdempotencyClaim {
  key: string;
  /** Digest of the request body: the same key with another body is a conflict. */
  requestHash: string;
  expiresAt: number;
}

/**
 * A unique key to claim with a new job (see `UniqueMode`): while another job holds it, the dispatch becomes
 * that job instead.
 */
export interface UniqueClaim {
  /** Tenant, job type and the key's values, digested. */
  key: string;
  mode: UniqueMode;
  /** End of the key's window for the new job; undefined: as long as it waits or runs. */
  expiresAt?: number;
  /**
   * For `debounce`: the holder (still `scheduled`, its message not yet taken by the relay) takes the new job's
   * payload, options and run time, and this message in place of its own.
   */
  replacement?: (holder: { id: string; createdAt: number }) => OutboxMessage;
}

/** Another job holds the unique key: nothing was written (`existing`), or that job took the new one's payload (`debounced`). */
export interface UniqueHolder {
  created: false;
  jobId: string;
  unique: 'existing' | 'debounced';
  status: JobStatus;
}

/** What {@link JobStore.createJob} did. */
export type CreateJobResult =
  | { created: true }
  /** The idempotency key was used before and has not expired: nothing was written. */
  | { created: false; jobId: string; requestHash: string }
  | UniqueHolder;

/** A page query over jobs, newest first. */
export interface JobQuery {
  /** Only this tenant's jobs. */
  tenant: string;
  status?: JobStatus;
  type?: string;
  /** Only this group's jobs. */
  group?: string;
  /** Only this flow's jobs. */
  flowId?: string;
  /** Only this queue's jobs. */
  queue?: string;
  /** Only jobs whose payload's JSON contains this text, in any case. */
  payloadContains?: string;
  limit: number;
  /** Only jobs older than this id (ids are UUIDv7, so id order is creation order). */
  beforeId?: string;
}

/** Which jobs a bulk redrive takes. */
export interface RedriveFilter {
  /** Only this tenant's jobs. */
  tenant: string;
  type?: string;
  /** `failed` or `cancelled`. */
  status?: JobStatus;
}

/** What applying a batch of events did. */
export interface ApplyResult {
  /** Events that changed a job. */
  applied: number;
  /** Those events, in the order applied. */
  appliedEvents?: JobEvent[];
  /** Duplicates, late events for terminal jobs and events for unknown jobs. */
  ignored: number;
}

/** How many of a tenant's jobs are in each status, in all and per type. */
export interface JobCounts {
  byStatus: Partial<Record<JobStatus, number>>;
  byType: Record<string, Partial<Record<JobStatus, number>>>;
}

/** Jobs that finished in one minute, by outcome. */
export interface MinuteCounts {
  /** The minute's start, epoch milliseconds (a multiple of 60,000). */
  minute: number;
  succeeded: number;
  failed: number;
}
