import type { JobEvent } from '@cask/contracts';
import type { ApplyResult, JobQuery, JobRecord, NewJob } from './job-record';

/**
 * Where jobs live. The api is its only writer. Implementations pass one shared test suite
 * (`job-store.spec.ts`).
 */
export abstract class JobStore {
  /** Creates or upgrades the schema; safe to run on every start, from several instances. */
  abstract migrate(): Promise<void>;

  abstract insert(job: NewJob): Promise<void>;

  /** Removes a job the broker never took, so no row claims a job is queued when it is not. */
  abstract remove(id: string): Promise<void>;

  abstract get(id: string): Promise<JobRecord | undefined>;

  abstract list(query: JobQuery): Promise<JobRecord[]>;

  /**
   * Applies worker events in order, in one transaction. Transitions only move forward: a duplicate or
   * late event never changes a terminal job.
   */
  abstract applyEvents(events: readonly JobEvent[]): Promise<ApplyResult>;

  /** Throws if the store cannot be reached. */
  abstract ping(): Promise<void>;

  abstract close(): Promise<void>;
}
