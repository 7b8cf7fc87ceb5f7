import {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The thread's script, beside this file in the sources and in dist (copied there by the package's build). */
const WORKER_FILE = join(__dirname, 'sqlite-thread.worker.js');

/** Young-generation size of the SQLite thread's heap. */
const SQLITE_THREAD_YOUNG_GENERATION_MB = 4;

export interface SqliteThreadOptions {
  /** The database file, or `:memory:`. */
  path: string;
  /** Pragmas run once the file is open, in order (e.g. `journal_mode = WAL`). */
  pragmas: readonly string[];
}

/** An error the SQLite thread reported, with better-sqlite3's `code` (e.g. `SQLITE_BUSY`). */
export class SqliteThreadError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    name = 'SqliteError',
  ) {
    super(message);
    this.name = name;
  }
}

/** What the thread answers for one statement. */
type StatementResult = { rows: unknown[] } | { changes: number; lastInsertRowid: number | bigint };

type Reply =
  | { ready: true }
  | { openError: { name: string; message: string; code?: string } }
  | { id: number; result: StatementResult }
  | { id: number; results: StatementResult[] }
  | { id: number; error: { name: string; message: string; code?: string } };

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
}

function toQueryResult<R>(result: StatementResult): QueryResult<R> {
  if ('rows' in result) return { rows: result.rows as R[] };
  return { numAffectedRows: BigInt(result.changes), insertId: BigInt(result.lastInsertRowid), rows: [] };
}

/**
 * SQLite for Kysely on a thread of its own: better-sqlite3 is synchronous, so on the event loop every
 * statement, and every commit's fsync (`synchronous = FULL`), stops the process for its whole length; here
 * the loop goes on serving requests and messages while SQLite works, and dispatches that arrive meanwhile
 * join the next group commit. SQL, adapter and introspection are Kysely's own SQLite ones.
 */
export class SqliteThreadDialect implements Dialect {
  private driver?: SqliteThreadDriver;

  constructor(private readonly options: SqliteThreadOptions) {}

  createDriver(): Driver {
    this.driver = new SqliteThreadDriver(this.options);
    return this.driver;
  }

  /**
   * Runs statements in one transaction, all or none, for one message each way instead of one per
   * statement, without holding the connection while the thread works: batches sent meanwhile share the
   * thread's next commit. For writes whose statements do not depend on one another's results, such as a
   * group commit's inserts.
   */
  batch(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    if (!this.driver) return Promise.reject(new SqliteThreadError('The SQLite store is not open'));
    return this.driver.batch(queries);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/** One connection, as SQLite has: a transaction holds it until it ends, as in Kysely's SqliteDriver. */
class SqliteThreadDriver implements Driver {
  private thread?: Promise<SqliteThread>;
  /** The thread last started, once it is open. */
  private current?: SqliteThread;
  private held?: Promise<void>;
  private release?: () => void;
  private destroyed = false;

  constructor(private readonly options: SqliteThreadOptions) {}

  /** Starts the thread, and a new one if the last one ended (its statements then failed; later ones need not). */
  async init(): Promise<void> {
    const starting = this.thread;
    const current = await starting?.catch(() => undefined);
    // Only the first caller to find no thread, or an ended one, starts one; the others wait for it.
    if (this.thread === starting && (!starting || current?.hasEnded)) this.thread = SqliteThread.start(this.options);
    this.current = await this.thread;
  }

  async acquireConnection(): Promise<SqliteThread> {
    if (this.destroyed) throw new SqliteThreadError('The SQLite store is closed');
    await this.init();
    while (this.held) await this.held;
    this.held = new Promise((resolve) => (this.release = resolve));
    return this.thread as Promise<SqliteThread>;
  }

  /**
   * A batch is a transaction of its own in the thread, so it need not hold the connection until answered:
   * it waits only for a transaction (or statement) that holds it, then goes out at once, and batches sent
   * while the thread is busy share one commit there. Nothing is awaited between the last look at `held`
   * and the send, so a batch never lands inside another caller's transaction.
   */
  async batch(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    if (this.destroyed) throw new SqliteThreadError('The SQLite store is closed');
    await this.init();
    while (this.held) await this.held;
    return (this.current as SqliteThread).executeBatch(queries);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.held = undefined;
    this.release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    const thread = await this.thread?.catch(() => undefined);
    this.destroyed = true;
    await thread?.close();
  }
}

/** The thread and the statements sent to it that have not been answered yet. */
class SqliteThread implements DatabaseConnection {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  /** Why the thread can take no more statements, once it cannot. */
  private ended?: Error;

  get hasEnded(): boolean {
    return this.ended !== undefined;
  }

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (err) => this.end(err));
    worker.on('exit', (code) => this.end(new SqliteThreadError(`The SQLite thread stopped (exit code ${code})`)));
    // The thread keeps the process alive only while a statement waits for it.
    worker.unref();
  }

  static start(options: SqliteThreadOptions): Promise<SqliteThread> {
    const worker = new Worker(WORKER_FILE, {
      workerData: { path: options.path, pragmas: [...options.pragmas] },
      // The thread holds statements and the rows in flight, not the app's data, so a small young generation
      // serves it (the thread adds about 10 MB to the process with it).
      resourceLimits: { maxYoungGenerationSizeMb: SQLITE_THREAD_YOUNG_GENERATION_MB },
    });
    return new Promise((resolve, reject) => {
      const onFirst = (reply: Reply) => {
        worker.off('error', onError);
        if ('openError' in reply) {
          reject(new SqliteThreadError(reply.openError.message, reply.openError.code, reply.openError.name));
          return;
        }
        resolve(new SqliteThread(worker));
      };
      const onError = (err: Error) => {
        worker.off('message', onFirst);
        reject(err);
      };
      worker.once('message', onFirst);
      worker.once('error', onError);
    });
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery;
    const reply = await this.send({ sql, parameters });
    return toQueryResult<R>((reply as { result: StatementResult }).result);
  }

  async executeBatch(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    const reply = await this.send({ batch: queries.map(({ sql, parameters }) => ({ sql, parameters })) });
    return (reply as { results: StatementResult[] }).results.map((result) => toQueryResult(result));
  }

  private send(request: object): Promise<Reply> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...request });
    });
  }

  // eslint-disable-next-line require-yield -- Cask streams no query; Kysely's interface asks for the method
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new SqliteThreadError('The SQLite thread does not stream queries');
  }

  /** Closes the database in the thread and waits for the thread to end. */
  async close(): Promise<void> {
    if (this.ended) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage({ close: true });
    await exited;
  }

  private settle(reply: Reply): void {
    if (!('id' in reply)) return;
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('error' in reply) waiting.reject(new SqliteThreadError(reply.error.message, reply.error.code, reply.error.name));
    else waiting.resolve(reply);
  }

  /** Fails every statement still waiting, and every later one, with `err`. */
  private end(err: Error): void {
    this.ended ??= err;
    for (const waiting of this.pending.values()) waiting.reject(this.ended);
    this.pending.clear();
  }
}
