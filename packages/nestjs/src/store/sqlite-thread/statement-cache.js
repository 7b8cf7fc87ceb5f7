// @ts-check
'use strict';

/** Distinct SQL texts kept prepared; the store issues a few dozen. */
const CAPACITY = 200;
/**
 * Longer texts are prepared each time: they are the multi-row statements of group commits, one text per
 * row count, each a large compiled program; kept, hundreds of them would hold tens of megabytes.
 */
const MAX_CACHED_SQL_LENGTH = 2000;

/**
 * A better-sqlite3 database's statements, each SQL text prepared once: SQLite's parse and plan cost about
 * as much as a point query runs for, and a statement is reusable once it is done, so the cache hands out
 * the prepared one (or a fresh one while it is still iterating). Least recently used texts are dropped past
 * {@link CAPACITY}. Plain JavaScript: it runs in the SQLite thread, which Node starts from this file's folder.
 *
 * @param {import('better-sqlite3').Database} database
 * @returns {(sql: string) => import('better-sqlite3').Statement}
 */
function statementCache(database) {
  /** @type {Map<string, import('better-sqlite3').Statement>} */
  const cache = new Map();
  return (sql) => {
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
      if (cache.size > CAPACITY) cache.delete(/** @type {string} */ (cache.keys().next().value));
    }
    return statement;
  };
}

module.exports = { statementCache };
