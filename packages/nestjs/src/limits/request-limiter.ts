import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from './rate-limited.error';

/** Seconds until a limiter lets the next request through, rounded up, at least 1. */
export function retryAfterSeconds(rejection: unknown): number {
  const ms = rejection instanceof RateLimiterRes ? rejection.msBeforeNext : 1000;
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * At most `perSecond` requests per second per key (a tenant, or a client address for requests without a
 * valid API key), counted in memory by each api instance. 0 turns the limit off.
 */
export class RequestLimiter {
  private readonly limiter?: RateLimiterMemory;

  constructor(
    private readonly perSecond: number,
    private readonly what: string,
  ) {
    if (perSecond > 0) this.limiter = new RateLimiterMemory({ points: perSecond, duration: 1 });
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
