import type { JobError } from './errors';
import type { JobProgress } from './job-events';
import type { JobStatus } from './job-status';

/** A job as `GET /jobs/:id` shows it (snake_case, ISO-8601 times). */
export interface JobView<R = unknown> {
  job_id: string;
  type: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  progress: JobProgress | null;
  result: R | null;
  error: JobError | null;
  /** While `retrying`: when the next attempt becomes runnable. */
  next_attempt_at: string | null;
  /** For a delayed job: when it becomes runnable. */
  run_at: string | null;
  /** The schedule that dispatched it, if any. */
  schedule: string | null;
  /** The group it shares its queue with (see `GroupPolicy`), if any. */
  group: string | null;
  /** The flow (or batch with a callback) it belongs to, if any: `GET /flows/:id` shows it. */
  flow_id: string | null;
  priority: number;
  /** The worker that ran its latest attempt; null until one starts. */
  worker: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/**
 * A job as TypeScript code sees it (`AsyncDispatcher.getResult`): camelCase, with `Date`s. `JobView` is the
 * same job in the HTTP format.
 */
export interface Job<R = unknown, P extends object = object> {
  id: string;
  type: string;
  /** The job queue it runs on (`default` unless its definition names one). */
  queue: string;
  status: JobStatus;
  payload: P;
  /** Attempts started so far, across this series. */
  attempts: number;
  maxAttempts: number;
  progress: JobProgress | null;
  result: R | null;
  error: JobError | null;
  priority: number;
  /** While `retrying`: when the next attempt becomes runnable. */
  nextAttemptAt: Date | null;
  /** For a delayed job: when it becomes runnable. */
  runAt: Date | null;
  /** The schedule that dispatched it, if any. */
  schedule: string | null;
  /** The group it shares its queue with (see `GroupPolicy`), if any. */
  group: string | null;
  /** The flow (or batch with a callback) it belongs to, if any. */
  flowId: string | null;
  /** The worker that ran its latest attempt; null until one starts. */
  worker: string | null;
  /** The tenant it belongs to (`default` unless dispatched for another). */
  tenant: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** The one-line answer to an accepted dispatch; `scheduled` for a delayed job. */
export interface QueuedResponse {
  /** `queued`, or `scheduled` for a delayed job; for a dispatch that became another job (`unique`), that job's status. */
  status: JobStatus;
  job_id: string;
  /**
   * Only when the job type (or the request) has a unique key: `created` for a new job, `existing` when the
   * job holding the key is the answer and nothing was written, `debounced` when that job took this payload.
   */
  unique?: 'created' | 'existing' | 'debounced';
}
