import { DEFAULT_TENANT, JobError, JobProgress, JobStatus } from '@cask/contracts';
import type { JobUpdate } from '../events/job-event-bus';
import type { JobRecord, JobTransition } from '../store/job-record';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** Data of a `status` event: one status change of a job. */
export interface StatusEventData {
  job_id: string;
  type: string;
  status: JobStatus;
  series: number;
  /** Null on `GET /events` for a change the api made (a cancel), which names no attempt. */
  attempt: number | null;
  at: string;
  worker: string | null;
  error: JobError | null;
  /** For `retrying`: when the next attempt becomes runnable, when known. */
  next_attempt_at: string | null;
}

/** Data of a `progress` event: the latest value a handler reported. */
export interface ProgressEventData {
  job_id: string;
  type: string;
  series: number;
  attempt: number;
  at: string;
  progress: JobProgress;
}

/** Data of the `result` event that ends `GET /jobs/:id/events`. */
export interface ResultEventData {
  job_id: string;
  type: string;
  status: JobStatus;
  attempts: number;
  result: unknown;
  error: JobError | null;
  finished_at: string | null;
}

export function transitionData(
  job: Pick<JobRecord, 'id' | 'type'>,
  transition: JobTransition,
  nextAttemptAt: number | null,
): StatusEventData {
  return {
    job_id: job.id,
    type: job.type,
    status: transition.status,
    series: transition.series,
    attempt: transition.attempt,
    at: new Date(transition.at).toISOString(),
    worker: transition.worker,
    error: transition.error,
    next_attempt_at: iso(nextAttemptAt),
  };
}

export function progressData(
  job: Pick<JobRecord, 'id' | 'type'>,
  progress: JobProgress,
  series: number,
  attempt: number,
  at: number,
): ProgressEventData {
  return { job_id: job.id, type: job.type, series, attempt, at: new Date(at).toISOString(), progress };
}

export function resultData(job: JobRecord): ResultEventData {
  return {
    job_id: job.id,
    type: job.type,
    status: job.status,
    attempts: job.attempts,
    result: job.result ?? null,
    error: job.error,
    finished_at: iso(job.finishedAt),
  };
}

/** The job type a bus update is about. */
export function updateType(update: JobUpdate): string {
  return update.source === 'worker' ? update.event.type : update.type;
}

/** The tenant of the job a bus update is about. */
export function updateTenant(update: JobUpdate): string {
  return update.source === 'worker' ? (update.event.tenant ?? DEFAULT_TENANT) : update.tenant;
}

/** The job id a bus update is about. */
export function updateJobId(update: JobUpdate): string {
  return update.source === 'worker' ? update.event.job_id : update.job_id;
}

const WORKER_STATUS = { started: 'running', retrying: 'retrying', succeeded: 'succeeded', failed: 'failed' } as const;

/** A bus update as `GET /events` sends it: its event name and data. */
export function updateEvent(
  update: JobUpdate,
): { event: 'status'; data: StatusEventData } | { event: 'progress'; data: ProgressEventData } {
  if (update.source === 'api') {
    const { job_id, type, status, series, at } = update;
    // The api's own changes: `queued` always opens a series (attempt 0); a cancel names no attempt.
    const attempt = status === 'queued' ? 0 : null;
    return {
      event: 'status',
      data: { job_id, type, status, series, attempt, at: new Date(at).toISOString(), worker: null, error: null, next_attempt_at: null },
    };
  }
  const { event } = update;
  const job = { id: event.job_id, type: event.type };
  if (event.kind === 'progress')
    return { event: 'progress', data: progressData(job, event.progress, event.series, event.attempt, event.at) };
  return {
    event: 'status',
    data: {
      job_id: event.job_id,
      type: event.type,
      status: WORKER_STATUS[event.kind],
      series: event.series,
      attempt: event.attempt,
      at: new Date(event.at).toISOString(),
      worker: event.worker,
      error: event.kind === 'retrying' || event.kind === 'failed' ? event.error : null,
      next_attempt_at: event.kind === 'retrying' ? iso(event.next_attempt_at) : null,
    },
  };
}
