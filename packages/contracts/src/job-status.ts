/**
 * Every status a job can have; README "Job lifecycle" shows the transitions. `waiting`: a job of a flow whose
 * parents have not all finished (it has no message yet).
 */
export const JOB_STATUSES = ['waiting', 'queued', 'scheduled', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a job never leaves. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Statuses from which a worker may start the job. */
export const STARTABLE_STATUSES: readonly JobStatus[] = ['queued', 'scheduled', 'retrying'];

export function isTerminalStatus(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);
}
