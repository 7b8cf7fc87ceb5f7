import { Injectable } from '@nestjs/common';
import type { MinuteCounts } from '../store/job-record';
import { StatsStore } from '../store/stats-store';

const MINUTE_MS = 60_000;
/** The window: the current minute and the 59 before it. */
export const ACTIVITY_MINUTES = 60;
/** The percentiles are those of at most this many durations, the latest finishes'. */
export const DURATION_SAMPLE = 10_000;
/**
 * A minute this many minutes old is settled: its counts are read once and kept for the rest of the hour.
 * Outcomes reach the store within seconds of happening, unless the broker or the api was away.
 */
export const SETTLED_AFTER_MINUTES = 2;

/** A tenant's last hour, as the dashboard shows it. Times are epoch milliseconds. */
export interface Activity {
  /** Start of the window's first minute. */
  since: number;
  /** Every minute of the window, oldest first, with zeros where nothing finished. */
  minutes: MinuteCounts[];
  /** Nearest-rank percentiles of how long the latest jobs finished in the window ran; null without any. */
  durations: { count: number; p50: number | null; p95: number | null };
  /** When the longest-waiting queued job became queued; undefined when none waits. */
  oldestQueuedSince: number | undefined;
}

/** The value at quantile `q` (0 < q <= 1) of ascending `sorted` values, by the nearest-rank method. */
export function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1];
}

/**
 * Reads a tenant's activity for `GET /stats/activity`. Settled minutes are kept per tenant, so however many
 * jobs finished in the hour, each read counts only the last few minutes' finishes again.
 */
@Injectable()
export class JobActivity {
  private readonly settled = new Map<string, { through: number; minutes: Map<number, MinuteCounts> }>();

  constructor(private readonly store: StatsStore) {}

  async read(tenant: string, now = Date.now()): Promise<Activity> {
    const current = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const since = current - (ACTIVITY_MINUTES - 1) * MINUTE_MS;
    const [minutes, durations, oldestQueuedSince] = await Promise.all([
      this.perMinute(tenant, since, current),
      this.store.recentDurations(tenant, since, DURATION_SAMPLE),
      this.store.oldestQueuedSince(tenant),
    ]);
    const sorted = [...durations].sort((a, b) => a - b);
    return {
      since,
      minutes,
      durations: { count: sorted.length, p50: nearestRank(sorted, 0.5), p95: nearestRank(sorted, 0.95) },
      oldestQueuedSince,
    };
  }

  private async perMinute(tenant: string, since: number, current: number): Promise<MinuteCounts[]> {
    const settledBefore = current - SETTLED_AFTER_MINUTES * MINUTE_MS;
    const known = this.settled.get(tenant);
    const cache = known && known.through >= since ? known : { through: since, minutes: new Map<number, MinuteCounts>() };
    for (const minute of cache.minutes.keys()) if (minute < since) cache.minutes.delete(minute);
    const fresh = new Map((await this.store.finishedPerMinute(tenant, cache.through)).map((counts) => [counts.minute, counts]));
    for (const [minute, counts] of fresh) if (minute < settledBefore) cache.minutes.set(minute, counts);
    cache.through = Math.max(cache.through, settledBefore);
    this.settled.set(tenant, cache);
    return Array.from({ length: ACTIVITY_MINUTES }, (_, i) => {
      const minute = since + i * MINUTE_MS;
      return cache.minutes.get(minute) ?? fresh.get(minute) ?? { minute, succeeded: 0, failed: 0 };
    });
  }
}
