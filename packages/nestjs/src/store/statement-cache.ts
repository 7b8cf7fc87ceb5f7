import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept prepared; the store issues a few dozen. */
const CAPACITY = 200;
/**
 * Longer texts are prepared each time: they are the multi-row statements of group commits, one text per
 * row count, each a large compiled program; kept, hundreds of them would hold tens of megabytes.
 */
const MAX_CACHED_SQL_LENGTH = 2_000;

/**
 * better-sqlite3 for Kysely, with each statement prepared once. Kysely's SQLite driver prepares every
 * query it runs, and SQLite's parse and plan cost about as much as a point query runs for; a statement
 * is reusable once it is done, so the cache hands out the prepared one (or a fresh one while it is
 * still iterating). Least recently used texts are dropped past {@link CAPACITY}.
 */
export function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      if (sql.length > MAX_CACHED_SQL_LENGTH) return database.prepare(sql);
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        // Re-inserted so that the map's order is the order of use.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (!cached) {
        cache.set(sql, statement);
        if (cache.size > CAPACITY) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
  };
}
