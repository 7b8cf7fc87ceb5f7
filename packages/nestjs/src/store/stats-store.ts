import type { JobCounts, MinuteCounts } from './job-record';

/** Counts and timings of a tenant's jobs, for `GET /stats`, dispatch limits and the dashboard. */
export abstract class StatsStore {
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
}
