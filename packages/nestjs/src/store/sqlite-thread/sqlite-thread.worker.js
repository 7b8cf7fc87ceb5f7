// @ts-check
'use strict';
/**
 * The SQLite thread: owns the better-sqlite3 connection and runs the statements the main thread sends, so
 * that SQLite's work, and above all each commit's fsync, happens beside the event loop instead of on it.
 * Plain JavaScript so that Node can start it from the sources (tests) and from dist alike.
 *
 * In: `{ id, sql, parameters }`; `{ id, batch: [{ sql, parameters }...] }`, statements run in one
 * transaction (all or none) for one message each way, batches queued together sharing one commit; or
 * `{ close: true }`. Out: `{ ready: true }` once open (or `{ openError }`), then per request `{ id, result }`
 * (`{ rows }` for a statement that returns rows, `{ changes, lastInsertRowid }` for one that does not),
 * `{ id, results }` for a batch, or `{ id, error }`.
 */
const { parentPort, receiveMessageOnPort, workerData } = require('node:worker_threads');
const { statementCache } = require('./statement-cache.js');

/** @typedef {{ id: number; batch: { sql: string; parameters: unknown[] }[] }} BatchRequest */
/** @typedef {{ id: number; sql: string; parameters: unknown[] } | BatchRequest} Request */

/** Most batches that share one commit. */
const MAX_GROUP = 64;

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

/**
 * Several batches in one transaction, one commit (and one fsync) for all: each batch runs in a savepoint of
 * its own (better-sqlite3 nests `runBatch` that way), so a failing batch is rolled back alone and answered
 * with its error while the others commit. An error that ended the whole transaction (SQLite rolls back on
 * some, such as a full disk) fails the group, and so does a failed commit.
 */
const runGroup = database.transaction((/** @type {BatchRequest[]} */ group) =>
  group.map((request) => {
    try {
      return { id: request.id, results: runBatch(request.batch) };
    } catch (err) {
      if (!database.inTransaction) throw err;
      return { id: request.id, error: describe(err) };
    }
  }),
);

/** @param {BatchRequest[]} group */
function answerGroup(group) {
  if (group.length === 1) {
    answer(group[0]);
    return;
  }
  let replies;
  try {
    replies = runGroup(group);
  } catch (err) {
    const error = describe(err);
    replies = group.map((request) => ({ id: request.id, error }));
  }
  for (const reply of replies) port.postMessage(reply);
}

/** @param {Request} request */
function answer(request) {
  try {
    if ('batch' in request) port.postMessage({ id: request.id, results: runBatch(request.batch) });
    else port.postMessage({ id: request.id, result: run(request) });
  } catch (err) {
    port.postMessage({ id: request.id, error: describe(err) });
  }
}

/**
 * Takes a request, and with a batch the batches queued right behind it (they arrived while SQLite worked on
 * earlier ones): they share one commit, so under load the thread commits fewer, larger transactions instead
 * of queueing behind one fsync each. Requests keep their order; what is not a batch ends the group. The main
 * thread never sends a batch while one of its transactions is open, so a group never runs inside one.
 */
port.on('message', (/** @type {Request | { close: true }} */ first) => {
  /** @type {Request | { close: true } | undefined} */
  let request = first;
  while (request) {
    if ('close' in request) {
      database.close();
      port.close();
      return;
    }
    if (!('batch' in request)) {
      answer(request);
      return;
    }
    const group = [request];
    request = undefined;
    while (group.length < MAX_GROUP) {
      const next = receiveMessageOnPort(port);
      if (!next) break;
      if ('batch' in next.message) group.push(next.message);
      else {
        request = next.message;
        break;
      }
    }
    answerGroup(group);
  }
});
port.postMessage({ ready: true });
