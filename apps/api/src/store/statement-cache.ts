import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept prepared; the store issues a few dozen, multi-row inserts add one per row count. */
const CAPACITY = 500;

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
