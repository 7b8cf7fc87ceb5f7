// @ts-check
'use strict';
/**
 * The SQLite thread: owns the better-sqlite3 connection and runs the statements the main thread sends, so
 * that SQLite's work, and above all each commit's fsync, happens beside the event loop instead of on it.
 * Plain JavaScript so that Node can start it from the sources (tests) and from dist alike.
 *
 * In: `{ id, sql, parameters }`; `{ id, batch: [{ sql, parameters }...] }`, statements run in one
 * transaction (all or none) for one message each way; or `{ close: true }`. Out: `{ ready: true }` once
 * open (or `{ openError }`), then per request `{ id, result }` (`{ rows }` for a statement that returns
 * rows, `{ changes, lastInsertRowid }` for one that does not), `{ id, results }` for a batch, or
 * `{ id, error }`.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { statementCache } = require('./statement-cache.js');

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const { path, pragmas } = /** @type {{ path: string; pragmas: string[] }} */ (workerData);

/** @param {unknown} err */
function describe(err) {
  const { name, message, code } = /** @type {{ name?: string; message?: string; code?: unknown }} */ (err ?? {});
  return { name: name ?? 'Error', message: message ?? String(err), code: typeof code === 'string' ? code : undefined };
}

/** Structured cloning turns a Buffer into a plain Uint8Array, which better-sqlite3 does not bind. */
/** @param {unknown[]} parameters */
function bindable(parameters) {
  return parameters.map((value) => (value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value) : value));
}

/** @type {import('better-sqlite3').Database} */
let database;
try {
  const BetterSqlite3 = require('better-sqlite3');
  database = new BetterSqlite3(path);
  for (const pragma of pragmas) database.pragma(pragma);
} catch (err) {
  port.postMessage({ openError: describe(err) });
  process.exit(1);
}
const prepare = statementCache(database);

/** @param {{ sql: string; parameters: unknown[] }} query */
function run({ sql, parameters }) {
  const statement = prepare(sql);
  if (statement.reader) return { rows: statement.all(bindable(parameters)) };
  const { changes, lastInsertRowid } = statement.run(bindable(parameters));
  return { changes, lastInsertRowid };
}

/** All or none: better-sqlite3 commits when the function returns and rolls back when it throws. */
const runBatch = database.transaction((/** @type {{ sql: string; parameters: unknown[] }[]} */ batch) => batch.map(run));

port.on(
  'message',
  (
    /** @type {{ id: number; sql: string; parameters: unknown[] } | { id: number; batch: { sql: string; parameters: unknown[] }[] } | { close: true }} */ request,
  ) => {
    if ('close' in request) {
      database.close();
      port.close();
      return;
    }
    try {
      if ('batch' in request) port.postMessage({ id: request.id, results: runBatch(request.batch) });
      else port.postMessage({ id: request.id, result: run(request) });
    } catch (err) {
      port.postMessage({ id: request.id, error: describe(err) });
    }
  },
);
port.postMessage({ ready: true });
