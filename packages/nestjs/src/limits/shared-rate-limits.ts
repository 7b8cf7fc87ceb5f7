import { Injectable, Optional } from '@nestjs/common';
import { CompiledQuery } from 'kysely';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres } from 'rate-limiter-flexible';
import { CaskDatabase } from '../store/cask-database';

/** The store's table of rate windows (migration `0013_rate_limits`), before the host's prefix. */
export const RATE_LIMITS_TABLE = 'rate_limits';

/**
 * Where the per-second limits of every api instance are counted. On PostgreSQL, in the store's `rate_limits`
 * table, so all instances on one database share one count per key: rate-limiter-flexible's `RateLimiterPostgres`,
 * one upsert per request, and once a key is over its limit this instance refuses it in memory until its window
 * ends, so a flood costs the database one statement per window, not one per request. If the database does not
 * answer, each instance counts in memory until it does (the limiter's insurance), rather than refusing everyone
 * or letting everyone through. On SQLite, whose store one instance has to itself, in memory.
 */
@Injectable()
export class SharedRateLimits {
  constructor(@Optional() private readonly database?: CaskDatabase) {}

  /** True when counts are shared between instances (the store is PostgreSQL). */
  get shared(): boolean {
    return this.database?.dialect === 'postgres';
  }

  /** A limiter of `perSecond` points a second per key; `name` keeps its keys apart from other limiters'. */
  limiter(name: string, perSecond: number): RateLimiterAbstract {
    const memory = new RateLimiterMemory({ keyPrefix: name, points: perSecond, duration: 1 });
    if (!this.database || !this.shared) return memory;
    const { table, schema } = this.database.tableName(RATE_LIMITS_TABLE);
    const db = this.database.db;
    // The limiter speaks to a pg pool; this one runs its statements through Cask's own connection to the store.
    const client = {
      query: async ({ text, values }: { text: string; values?: readonly unknown[] }) => {
        const result = await db.executeQuery(CompiledQuery.raw(text, [...(values ?? [])]));
        return { rows: result.rows, rowCount: result.rows.length };
      },
    };
    return new RateLimiterPostgres({
      storeClient: client,
      storeType: 'pool',
      tableName: table,
      schemaName: schema,
      // Cask's migrations made it, with the host's prefix and schema.
      tableCreated: true,
      keyPrefix: name,
      points: perSecond,
      duration: 1,
      inMemoryBlockOnConsumed: perSecond + 1,
      insuranceLimiter: memory,
    });
  }
}
