import { Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { CompiledQuery } from 'kysely';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { CaskDatabase } from '../store/cask-database';
import { StoreRateLimiter } from './store-rate-limiter';

/** The store's table of rate windows (migration `0013_rate_limits`), before the host's prefix. */
export const RATE_LIMITS_TABLE = 'rate_limits';

/** How often rows of windows long past are deleted. */
const PURGE_EVERY_MS = 5 * 60_000;

/** What limits a key's rate: consumes points, or rejects with rate-limiter-flexible's `RateLimiterRes`. */
export interface PointLimiter {
  consume(key: string, points?: number): Promise<unknown>;
}

/**
 * Where the per-second limits of every api instance are counted. On PostgreSQL, in the store's `rate_limits`
 * table, so all instances on one database share one count per key ({@link StoreRateLimiter}: points claimed in
 * growing chunks, a few statements a second per busy key; its own count in memory while the database does not
 * answer). On SQLite, whose store one instance has to itself, in memory (rate-limiter-flexible).
 */
@Injectable()
export class SharedRateLimits implements OnModuleDestroy {
  private purgeTimer?: NodeJS.Timeout;

  constructor(@Optional() private readonly database?: CaskDatabase) {}

  /** True when counts are shared between instances (the store is PostgreSQL). */
  get shared(): boolean {
    return this.database?.dialect === 'postgres';
  }

  /** A limiter of `perSecond` points a second per key; `name` keeps its keys apart from other limiters'. */
  limiter(name: string, perSecond: number): PointLimiter {
    if (!this.database || !this.shared) return new RateLimiterMemory({ keyPrefix: name, points: perSecond, duration: 1 });
    this.purgeLater();
    return new StoreRateLimiter(name, perSecond, (key, points, windowEnd, now) => this.claim(key, points, windowEnd, now));
  }

  onModuleDestroy(): void {
    clearTimeout(this.purgeTimer);
    this.purgeTimer = undefined;
  }

  /** Adds points to a key's window (a new window when the row's has ended) and answers the count after. */
  private async claim(key: string, points: number, windowEnd: number, now: number): Promise<number> {
    const table = this.table();
    const result = await this.run<{ points: number }>(
      `insert into ${table} as r (key, points, expire) values ($1, $2, $3)
         on conflict (key) do update set
           points = case when r.expire is null or r.expire <= $4 then excluded.points else r.points + excluded.points end,
           expire = case when r.expire is null or r.expire <= $4 then excluded.expire else r.expire end
         returning points`,
      [key, points, windowEnd, now],
    );
    return Number(result.rows[0].points);
  }

  /** Every instance deletes rows of windows that ended a minute ago, now and then: idempotent, cheap. */
  private purgeLater(): void {
    if (this.purgeTimer) return;
    this.purgeTimer = setTimeout(() => {
      this.purgeTimer = undefined;
      this.run(`delete from ${this.table()} where expire < $1`, [Date.now() - 60_000]).then(
        () => this.purgeLater(),
        () => this.purgeLater(),
      );
    }, PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  private table(): string {
    const { table, schema } = (this.database as CaskDatabase).tableName(RATE_LIMITS_TABLE);
    return schema ? `"${schema}"."${table}"` : `"${table}"`;
  }

  /** Through Cask's own connection to the store, so the host's prefix and schema are the ones named here. */
  private run<R>(text: string, values: unknown[]) {
    return (this.database as CaskDatabase).db.executeQuery<R>(CompiledQuery.raw(text, values));
  }
}
