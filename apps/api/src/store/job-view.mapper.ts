import type { JobView } from '@cask/contracts';
import type { JobRecord } from './job-record';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

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
    created_at: new Date(record.createdAt).toISOString(),
    started_at: iso(record.startedAt),
    finished_at: iso(record.finishedAt),
  };
}
