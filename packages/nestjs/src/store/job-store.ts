import type { JobEvent } from '@cask/contracts';
import type {
  ApplyResult,
  CreateJobResult,
  IdempotencyClaim,
  JobCounts,
  JobQuery,
  JobRecord,
  JobTransition,
  MinuteCounts,
  NewJob,
  OutboxMessage,
  RedriveFilter,
} from './job-record';

/** Builds the outbox message that reruns a job, from the job as it is after the redrive. */
export type RedriveMessage = (job: JobRecord) => OutboxMessage;

/**
 * Where jobs live. The api is its only writer. Implementations pass one shared test suite
 * (`job-store.spec.ts`).
 */
export abstract class JobStore {
  /** Creates or upgrades the schema; safe to run on every start, from several instances. */
  abstract migrate(): Promise<void>;

  /**
   * Commits a job, its message for the relay and its idempotency key in one transaction. With a key seen
   * before (and not expired), writes nothing and returns the job that key created.
   */
  abstract createJob(job: NewJob, message: OutboxMessage, idempotency?: IdempotencyClaim): Promise<CreateJobResult>;

  /** Commits many jobs with their messages in one transaction: all or none. */
  abstract createJobs(items: ReadonlyArray<{ job: NewJob; message: OutboxMessage }>): Promise<void>;

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
   * Messages waiting in the outbox; with `dueBy`, only those due by then (a delayed job waiting for its
   * time is not a backlog).
   */
  abstract outboxBacklog(dueBy?: number): Promise<number>;

  /**
   * Claims up to `limit` outbox messages that are due, hiding each from other claimers for `leaseMs`.
   * A message whose publish is not confirmed comes back when its lease ends.
   */
  abstract claimOutbox(limit: number, leaseMs: number): Promise<OutboxMessage[]>;

  /** Makes a message due now (its inline publish failed, so the relay should not wait for the lease). */
  abstract releaseOutbox(id: string): Promise<void>;

  /** Removes messages the broker confirmed; their jobs that were `scheduled` become `queued`. */
  abstract deleteOutbox(ids: readonly string[]): Promise<void>;

  /** When the next outbox message becomes due, or undefined if there is none. */
  abstract nextOutboxDue(): Promise<number | undefined>;

  /**
   * Cancels a job that is not terminal: marks it `cancelled` and drops its unpublished message. Returns the
   * job as it was before, or undefined if it does not exist; a terminal job is returned unchanged.
   */
  abstract cancel(id: string, now: number, command?: (job: JobRecord) => OutboxMessage): Promise<{ before: JobRecord; cancelled: boolean } | undefined>;

  /** Removes idempotency keys past their expiry; returns how many. */
  abstract purgeExpiredKeys(now: number): Promise<number>;

  /**
   * Deletes up to `limit` finished jobs of a type that finished before `finishedBefore`, with their
   * history, leaving a tombstone so their ids answer 410. Returns how many.
   */
  abstract purgeFinished(type: string, finishedBefore: number, limit: number): Promise<number>;

  /** True for the id of a purged job of this tenant (whose tombstone is still kept). */
  abstract isPurged(id: string, tenant: string): Promise<boolean>;

  /** A tenant's jobs counted by status, in all and per type. */
  abstract counts(tenant: string): Promise<JobCounts>;

  /** How many of a tenant's jobs wait to run: queued, scheduled or retrying. */
  abstract countWaiting(tenant: string): Promise<number>;

  /** A tenant's jobs that finished `succeeded` or `failed` at or after `since`, per minute, oldest first; empty minutes left out. */
  abstract finishedPerMinute(tenant: string, since: number): Promise<MinuteCounts[]>;

  /** Durations (`started_at` to `finished_at`, ms) of a tenant's latest jobs finished `succeeded` or `failed` at or after `since`; newest first, at most `limit`. */
  abstract recentDurations(tenant: string, since: number, limit: number): Promise<number[]>;

  /** When a tenant's longest-waiting `queued` job became queued, or undefined when none is. */
  abstract oldestQueuedSince(tenant: string): Promise<number | undefined>;

  /** Forgets tombstones older than `before`; those ids then answer 404. */
  abstract purgeTombstones(before: number): Promise<number>;

  /** Throws if the store cannot be reached. */
  abstract ping(): Promise<void>;

  abstract close(): Promise<void>;
}
