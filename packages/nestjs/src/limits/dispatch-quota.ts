import { CaskError } from '@cask/contracts';
import { Injectable, Optional } from '@nestjs/common';
import { StatsStore } from '../store/stats-store';
import { RequestLimiter } from './request-limiter';
import { SharedRateLimits } from './shared-rate-limits';
import { RateLimitedError } from './rate-limited.error';

/** How old a tenant's count of waiting jobs may be before it is read again. */
const COUNT_TTL_MS = 1000;
/** What a client over its waiting-jobs cap should wait before trying again. */
const CAP_RETRY_AFTER_SECONDS = 5;

/** A batch bigger than the tenant may dispatch in a second could never pass: it must be split. */
export class BatchOverRateLimitError extends CaskError {
  constructor(
    readonly jobs: number,
    readonly perSecond: number,
  ) {
    super(`A batch may hold at most ${perSecond} jobs under the dispatch rate limit; this one has ${jobs}`, {
      code: 'batch_over_rate_limit',
      retryable: false,
    });
  }
}

interface WaitingCount {
  count: number;
  readAt: number;
  reading?: Promise<number>;
}

/** The limits of {@link DispatchQuota}; 0 turns one off. */
export class DispatchLimits {
  /** Jobs a tenant may dispatch per second (across api instances on a PostgreSQL store). */
  perSecond: number;
  /** Jobs of a tenant that may wait (queued, scheduled or retrying) at once. */
  maxWaiting: number;
}

/**
 * Admits a tenant's dispatch, or refuses it before anything is stored: over its rate (jobs per second) or
 * over its cap of waiting jobs. The cap is checked against a count at most a second old plus what this
 * instance admitted since, so a burst across several api instances can pass it by about a second's worth.
 */
@Injectable()
export class DispatchQuota {
  private readonly rate: RequestLimiter;
  private readonly waiting = new Map<string, WaitingCount>();

  constructor(
    private readonly limits: DispatchLimits,
    private readonly store: StatsStore,
    @Optional() shared?: SharedRateLimits,
  ) {
    this.rate = new RequestLimiter(limits.perSecond, 'jobs dispatched', shared, 'dispatch');
  }

  /** @throws RateLimitedError over a limit; BatchOverRateLimitError for a batch that can never pass */
  async admit(tenant: string, jobs: number): Promise<void> {
    if (this.limits.perSecond > 0 && jobs > this.limits.perSecond) throw new BatchOverRateLimitError(jobs, this.limits.perSecond);
    if (this.limits.maxWaiting > 0) {
      const waiting = await this.waitingJobs(tenant);
      if (waiting + jobs > this.limits.maxWaiting) {
        throw new RateLimitedError(
          `Too many jobs waiting: ${waiting} of at most ${this.limits.maxWaiting}; retry when some have run`,
          CAP_RETRY_AFTER_SECONDS,
        );
      }
    }
    await this.rate.take(tenant, jobs);
    const entry = this.waiting.get(tenant);
    if (entry) entry.count += jobs;
  }

  private async waitingJobs(tenant: string): Promise<number> {
    let entry = this.waiting.get(tenant);
    if (!entry) {
      entry = { count: 0, readAt: 0 };
      this.waiting.set(tenant, entry);
    }
    if (Date.now() - entry.readAt <= COUNT_TTL_MS) return entry.count;
    // Concurrent requests share one read.
    const current = entry;
    current.reading ??= this.store.countWaiting(tenant).then(
      (count) => {
        Object.assign(current, { count, readAt: Date.now(), reading: undefined });
        return count;
      },
      (err: unknown) => {
        current.reading = undefined;
        throw err;
      },
    );
    return current.reading;
  }
}
