import type { JobEvent } from '@cask/contracts';
import type {
  ApplyResult,
  CreateJobResult,
  IdempotencyClaim,
  JobQuery,
  JobRecord,
  JobTransition,
  NewJob,
  OutboxMessage,
  RedriveFilter,
  UniqueClaim,
} from './job-record';

/** Builds the outbox message that reruns a job, from the job as it is after the redrive. */
export type RedriveMessage = (job: JobRecord) => OutboxMessage;

/**
 * Where jobs live, and every change of their state: each commits the job's outbox message (and history) with
 * it. The api is the only writer. Implementations pass one shared test suite (`job-store.spec.ts`).
 */
export abstract class JobStore {
  /** How many write transactions are worth running at once: more only queue for the database. */
  get writesInParallel(): number {
    return 1;
  }

  /**
   * Commits a job, its message for the relay, its idempotency key and its unique key in one transaction. With
   * an idempotency key seen before (and not expired), writes nothing and returns the job that key created;
   * with a unique key another job holds, returns that job (having given it this one's payload, for
   * `debounce`). Concurrent calls with one key create one job.
   */
  abstract createJob(job: NewJob, message: OutboxMessage, idempotency?: IdempotencyClaim, unique?: UniqueClaim): Promise<CreateJobResult>;

  /** Commits many jobs with their messages in one transaction: all or none. */
  abstract createJobs(items: ReadonlyArray<{ job: NewJob; message: OutboxMessage }>): Promise<void>;

  /**
   * Commits many jobs in one transaction, those with a unique key as {@link createJob} does (a later item
   * with the key of an earlier one becomes that job); says per item what it became.
   */
  abstract createJobsClaiming(
    items: ReadonlyArray<{ job: NewJob; message: OutboxMessage; unique?: UniqueClaim }>,
  ): Promise<CreateJobResult[]>;

  abstract get(id: string): Promise<JobRecord | undefined>;

  abstract list(query: JobQuery): Promise<JobRecord[]>;

  /** Every status change of a job, oldest first. */
  abstract history(id: string): Promise<JobTransition[]>;

  /**
   * Applies worker events in order, in one transaction. Transitions only move forward: a duplicate or
   * late event, or one from an older series, never changes a job.
   */
  abstract applyEvents(events: readonly JobEvent[]): Promise<ApplyResult>;

  /**
   * Reruns a failed or cancelled job as a new series of attempts, committing its message with it.
   * Returns the job as it now is, or undefined if it was not in a state that can be redriven.
   */
  abstract redrive(id: string, message: RedriveMessage): Promise<JobRecord | undefined>;

  /** Redrives every job matching the filter (failed or cancelled only); returns how many. */
  abstract redriveMany(filter: RedriveFilter, message: RedriveMessage): Promise<number>;

  /**
   * Cancels a job that is not terminal: marks it `cancelled` and drops its unpublished message. Returns the
   * job as it was before, or undefined if it does not exist; a terminal job is returned unchanged.
   */
  abstract cancel(
    id: string,
    now: number,
    command?: (job: JobRecord) => OutboxMessage,
  ): Promise<{ before: JobRecord; cancelled: boolean } | undefined>;

  /**
   * Jobs `running` on workers that stopped sending heartbeats become `retrying` (no `next_attempt_at`: they run
   * again when the broker hands their messages to another worker), with a history entry whose error
   * (`worker_lost`) names the worker; their attempt stays counted. Returns them as they now are.
   */
  abstract loseWorkers(workerIds: readonly string[], now: number): Promise<JobRecord[]>;
}
