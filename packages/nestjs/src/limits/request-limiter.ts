import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from './rate-limited.error';
import type { PointLimiter, SharedRateLimits } from './shared-rate-limits';

/** Seconds until a limiter lets the next request through, rounded up, at least 1. */
export function retryAfterSeconds(rejection: unknown): number {
  const ms = rejection instanceof RateLimiterRes ? rejection.msBeforeNext : 1000;
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * At most `perSecond` requests per second per key (a tenant, or a client address for requests without a
 * valid API key): counted across every api instance on a PostgreSQL store through {@link SharedRateLimits},
 * otherwise in this instance's memory. 0 turns the limit off.
 */
export class RequestLimiter {
  private readonly limiter?: PointLimiter;

  /** @param name keeps this limiter's keys apart from other limiters' in a shared count */
  constructor(
    private readonly perSecond: number,
    private readonly what: string,
    limits?: SharedRateLimits,
    name = what,
  ) {
    if (perSecond > 0) this.limiter = limits?.limiter(name, perSecond) ?? new RateLimiterMemory({ points: perSecond, duration: 1 });
  }

  /** Counts `points` requests (or jobs) for `key`. @throws RateLimitedError when over the limit */
  async take(key: string, points = 1): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(key, points);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new RateLimitedError(`Rate limit exceeded: at most ${this.perSecond} ${this.what} per second`, retryAfterSeconds(rejection));
    }
  }
}
