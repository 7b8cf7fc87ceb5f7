import type { JobError, JobProgress, JobStatus } from '@cask/contracts';

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
}

/** What dispatch writes for a new job. */
export type NewJob = Pick<JobRecord, 'id' | 'type' | 'queue' | 'status' | 'payload' | 'maxAttempts' | 'priority' | 'createdAt'>;

/** A page query over jobs, newest first. */
export interface JobQuery {
  status?: JobStatus;
  type?: string;
  limit: number;
  /** Only jobs older than this id (ids are UUIDv7, so id order is creation order). */
  beforeId?: string;
}

/** What applying a batch of events did. */
export interface ApplyResult {
  /** Events that changed a job. */
  applied: number;
  /** Duplicates, late events for terminal jobs and events for unknown jobs. */
  ignored: number;
}
