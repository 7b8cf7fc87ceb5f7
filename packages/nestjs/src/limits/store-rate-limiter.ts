import { Logger } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Adds `points` to `key`'s count for the window ending at `windowEnd` (a new window starts from them) and
 * resolves with the count after: one statement on the shared store, whoever else is counting.
 */
export type WindowClaim = (key: string, points: number, windowEnd: number, now: number) => Promise<number>;

/** What this instance holds of one key's window: points claimed from the shared count and not spent yet. */
interface Allowance {
  window: number;
  left: number;
  /** The next claim's size: doubled after each, so a busy key costs the store a few statements a second. */
  next: number;
  /** The shared count had fewer points left than asked: the window is spent for every instance. */
  spent: boolean;
  claiming?: Promise<void>;
}

const WARN_EVERY_MS = 60_000;

/**
 * At most `perSecond` points per key per second of the clock, counted once for every instance that shares the
 * store. An instance claims points from the shared count in chunks and spends them locally: a claim of 1 point,
 * then 2, 4, ... up to a tenth of the limit, so a quiet key is counted exactly and a busy one costs a few
 * statements a second instead of one per request (at most a chunk per instance goes unspent in a window,
 * refused to others). A claim the store cannot answer falls back to this instance's own count in memory.
 *
 * Refusals are rate-limiter-flexible's `RateLimiterRes`, as from its memory limiter.
 */
export class StoreRateLimiter {
  private readonly logger = new Logger('CaskRateLimits');
  private readonly allowances = new Map<string, Allowance>();
  private readonly insurance: RateLimiterMemory;
  private readonly maxChunk: number;
  private lastWarned = 0;
  private prunedWindow = -1;

  constructor(
    private readonly name: string,
    private readonly perSecond: number,
    private readonly claim: WindowClaim,
  ) {
    this.insurance = new RateLimiterMemory({ keyPrefix: name, points: perSecond, duration: 1 });
    this.maxChunk = Math.max(1, Math.ceil(perSecond / 10));
  }

  /** Spends `points` of `key`'s second. @throws RateLimiterRes when they are not left in it */
  async consume(key: string, points = 1): Promise<void> {
    for (;;) {
      const now = Date.now();
      const allowance = this.allowanceOf(key, now);
      if (allowance.left >= points) {
        allowance.left -= points;
        return;
      }
      if (allowance.spent || points > this.perSecond) throw this.refusal(now);
      allowance.claiming ??= this.claimMore(key, allowance, points, now).finally(() => (allowance.claiming = undefined));
      try {
        await allowance.claiming;
      } catch (err) {
        this.warn(err as Error);
        await this.insurance.consume(key, points);
        return;
      }
    }
  }

  private allowanceOf(key: string, now: number): Allowance {
    const window = Math.floor(now / 1000);
    let allowance = this.allowances.get(key);
    if (allowance?.window !== window) {
      // Keys of past seconds are dropped as the map grows, so one-off keys (addresses) do not pile up: at most once
      // a second, so a flood of new keys within one second does not scan the map for each.
      if (this.allowances.size >= 10_000 && this.prunedWindow !== window) {
        this.prunedWindow = window;
        for (const [old, held] of this.allowances) if (held.window < window) this.allowances.delete(old);
      }
      allowance = { window, left: 0, next: 1, spent: false };
      this.allowances.set(key, allowance);
    }
    return allowance;
  }

  private async claimMore(key: string, allowance: Allowance, points: number, now: number): Promise<void> {
    const asked = Math.max(allowance.next, points - allowance.left);
    const windowEnd = (allowance.window + 1) * 1000;
    const after = await this.claim(`${this.name}:${key}`, asked, windowEnd, now);
    // The count before this claim says what was left of the window; anything asked past that is not granted.
    const granted = Math.max(0, Math.min(asked, this.perSecond - (after - asked)));
    allowance.left += granted;
    allowance.spent = granted < asked;
    allowance.next = Math.min(this.maxChunk, allowance.next * 2);
  }

  private refusal(now: number): RateLimiterRes {
    return new RateLimiterRes(0, 1000 - (now % 1000), this.perSecond + 1, false);
  }

  private warn(err: Error): void {
    if (Date.now() - this.lastWarned < WARN_EVERY_MS) return;
    this.lastWarned = Date.now();
    this.logger.warn(`Cannot count rate limits in the store (${err.message}); this instance counts its own until it can`);
  }
}
