import type { Activity } from './job-activity';

/** One minute of `GET /stats/activity`. */
export interface MinuteView {
  /** The minute's start, ISO-8601. */
  at: string;
  succeeded: number;
  failed: number;
}

/** `GET /stats/activity`: the caller's last hour. */
export interface ActivityView {
  /** Start of the first minute. */
  from: string;
  /** 60 minutes, oldest first; the last is the current one, still counting. */
  minutes: MinuteView[];
  /** How long the latest jobs finished in the window ran (at most the latest 10,000). */
  duration_ms: { jobs: number; p50: number | null; p95: number | null };
  /** The queued job that has waited longest: since when, and for how long at `now`; null when none waits. */
  oldest_queued: { since: string; age_ms: number } | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toActivityView(activity: Activity, now: number): ActivityView {
  const { since, minutes, durations, oldestQueuedSince } = activity;
  return {
    from: iso(since),
    minutes: minutes.map(({ minute, succeeded, failed }) => ({ at: iso(minute), succeeded, failed })),
    duration_ms: { jobs: durations.count, p50: durations.p50, p95: durations.p95 },
    oldest_queued: oldestQueuedSince === undefined ? null : { since: iso(oldestQueuedSince), age_ms: Math.max(0, now - oldestQueuedSince) },
  };
}
