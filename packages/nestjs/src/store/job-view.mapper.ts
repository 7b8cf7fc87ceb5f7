import type { Job, JobView } from '@cask/contracts';
import type { JobRecord, JobTransition } from './job-record';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const date = (ms: number | null) => (ms === null ? null : new Date(ms));

/** A stored job as TypeScript callers get it. */
export function toJob<R = unknown, P extends object = object>(record: JobRecord): Job<R, P> {
  return {
    id: record.id,
    type: record.type,
    queue: record.queue,
    status: record.status,
    payload: record.payload as P,
    attempts: record.attempts,
    maxAttempts: record.maxAttempts,
    progress: record.progress,
    result: (record.result ?? null) as R | null,
    error: record.error,
    priority: record.priority,
    nextAttemptAt: date(record.nextAttemptAt),
    runAt: date(record.runAt),
    schedule: record.schedule,
    group: record.group,
    flowId: record.flowId,
    worker: record.worker,
    tenant: record.tenant,
    createdAt: new Date(record.createdAt),
    startedAt: date(record.startedAt),
    finishedAt: date(record.finishedAt),
  };
}

/** A stored job as the HTTP contract shows it. */
export function toJobView<R = unknown>(record: JobRecord): JobView<R> {
  return {
    job_id: record.id,
    type: record.type,
    status: record.status,
    attempts: record.attempts,
    max_attempts: record.maxAttempts,
    progress: record.progress,
    result: (record.result ?? null) as R | null,
    error: record.error,
    next_attempt_at: iso(record.nextAttemptAt),
    run_at: iso(record.runAt),
    schedule: record.schedule,
    group: record.group,
    flow_id: record.flowId,
    priority: record.priority,
    worker: record.worker,
    created_at: new Date(record.createdAt).toISOString(),
    started_at: iso(record.startedAt),
    finished_at: iso(record.finishedAt),
  };
}

/** One entry of `history` in `GET /jobs/:id`. */
export interface TransitionView {
  at: string;
  status: string;
  series: number;
  attempt: number;
  worker: string | null;
  error: JobTransition['error'];
}

export function toTransitionView(transition: JobTransition): TransitionView {
  return {
    at: new Date(transition.at).toISOString(),
    status: transition.status,
    series: transition.series,
    attempt: transition.attempt,
    worker: transition.worker,
    error: transition.error,
  };
}
