import { CompiledQuery, Kysely, PostgresAdapter, PostgresDialect, QueryResult, SqliteAdapter, sql } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CaskStoreOptions } from '../cask-options';
import { migrateToLatest } from './migrations';
import { postgresPool } from './postgres-pool';
import type { Database } from './schema';
import { SqliteThreadDialect } from './sqlite-thread/sqlite-thread.dialect';
import { CaskTablesPlugin, checkTablePrefix } from './cask-tables.plugin';
import { unavailableAsError } from './unavailable-as-error';

/** The default SQLite file. */
export const DEFAULT_SQLITE_PATH = './data/cask.db';

/** Which SQL Cask speaks to its database: its statements differ in a few places for speed. */
export type CaskDialect = 'sqlite' | 'postgres';

/** Runs compiled statements in one transaction, all or none, and returns their results in order. */
type Batch = (queries: readonly CompiledQuery[]) => Promise<Array<QueryResult<unknown>>>;

/** Where Cask's tables live: the Kysely instance every store uses, and how to migrate, check and close it. */
export class CaskDatabase {
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: CaskDialect,
    /** Ends what Cask opened itself; nothing for the host's own pool or Kysely instance. */
    private readonly release: () => Promise<void>,
    private readonly naming: { tablePrefix: string; schema?: string } = { tablePrefix: '' },
    /** A faster way to run a batch than a Kysely transaction, where the database has one. */
    private readonly runBatch?: Batch,
  ) {}

  /**
   * Runs statements (compiled from {@link db}, so with its table names) in one transaction, all or none:
   * on Cask's own SQLite store in one message to its thread, elsewhere in a Kysely transaction.
   */
  batch(queries: readonly CompiledQuery[]): Promise<Array<QueryResult<unknown>>> {
    if (this.runBatch) return this.runBatch(queries);
    return this.db.transaction().execute(async (trx) => {
      const results: Array<QueryResult<unknown>> = [];
      for (const query of queries) results.push(await trx.executeQuery(query));
      return results;
    });
  }

  /** Creates or upgrades Cask's tables; safe to run on every start, from several instances. */
  async migrate(): Promise<void> {
    if (this.naming.schema) await this.db.schema.createSchema(this.naming.schema).ifNotExists().execute();
    await migrateToLatest(this.db, this.naming);
  }

  /** A table of Cask's as the database names it: with the host's prefix, in its schema (if one is set). */
  tableName(name: string): { table: string; schema?: string } {
    return { table: `${this.naming.tablePrefix}${name}`, schema: this.naming.schema };
  }

  /** Throws if the database cannot be reached. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.release();
  }
}

/** Loads an optional peer dependency, saying how to install it when it is missing. */
function peer<T>(name: string, why: string): T {
  try {
    // Optional peers: only the store the app uses needs to be installed.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (err) {
    if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error(`${why} needs the "${name}" package: npm install ${name}`, { cause: err });
  }
}

type Opened = Pick<CaskDatabase, 'db' | 'dialect'> & { release: () => Promise<void>; batch?: Batch };

function openSqlite(path: string): Opened {
  // Checked here, where the app starts, rather than when the SQLite thread first loads it.
  peer<typeof import('better-sqlite3')>('better-sqlite3', 'The SQLite store (the default)');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const pragmas = [
    'journal_mode = WAL',
    // FULL: a 202 promises the job survives a power cut, not only a process crash.
    'synchronous = FULL',
    'busy_timeout = 5000',
    // Scratch tables of batched statements stay in memory.
    'temp_store = MEMORY',
  ];
  const dialect = new SqliteThreadDialect({ path, pragmas });
  const db = new Kysely<Database>({ dialect });
  return { db, dialect: 'sqlite', release: () => db.destroy(), batch: (queries) => dialect.batch(queries) };
}

/**
 * The database the store options describe: SQLite at {@link DEFAULT_SQLITE_PATH} when they name none, PostgreSQL
 * by URL or over the host's pool, or the host's own Kysely instance. Connects lazily, on the first query.
 * @throws TypeError for options that cannot work (no URL or pool, a bad prefix, a schema on SQLite)
 */
export function openCaskDatabase(options: CaskStoreOptions | undefined): CaskDatabase {
  const tablePrefix = options?.tablePrefix ?? '';
  checkTablePrefix(tablePrefix);
  const schema = options && options.type !== 'sqlite' ? options.schema : undefined;
  const opened = open(options);
  if (schema !== undefined && opened.dialect !== 'postgres') throw new TypeError('store.schema works on PostgreSQL only');
  const db = tablePrefix || schema ? opened.db.withPlugin(new CaskTablesPlugin({ tablePrefix, schema })) : opened.db;
  return new CaskDatabase(db, opened.dialect, opened.release, { tablePrefix, schema }, opened.batch);
}

function open(options: CaskStoreOptions | undefined): Opened {
  if (!options || options.type === 'sqlite') return openSqlite(options?.path ?? DEFAULT_SQLITE_PATH);
  if (options.type === 'postgres') {
    if ((options.url === undefined) === (options.pool === undefined))
      throw new TypeError('A PostgreSQL store needs store.url or store.pool (one of them)');
    const pg = peer<typeof import('pg')>('pg', 'The PostgreSQL store');
    const own = options.pool === undefined;
    const pool = options.pool ?? new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    const db = new Kysely<Database>({
      dialect: unavailableAsError(new PostgresDialect({ pool: postgresPool(pool, pg.types, { owned: own }) })),
    });
    // Destroying Kysely ends the pool adapter, which ends the pool only if Cask opened it.
    return { db, dialect: 'postgres', release: () => db.destroy() };
  }
  if (options.type === 'kysely') {
    const adapter = options.kysely.getExecutor().adapter;
    // By class, or by name where the host's Kysely is another copy of the package.
    const is = (type: typeof PostgresAdapter | typeof SqliteAdapter) => adapter instanceof type || adapter.constructor.name === type.name;
    const dialect = is(PostgresAdapter) ? 'postgres' : is(SqliteAdapter) ? 'sqlite' : undefined;
    if (!dialect)
      throw new TypeError(`store.kysely must use Kysely's PostgreSQL or SQLite dialect; its adapter is ${adapter.constructor.name}`);
    // Cask's tables are not the host's Database type; the queries are Cask's own.
    return { db: options.kysely as Kysely<Database>, dialect, release: () => Promise.resolve() };
  }
  throw new TypeError(`store.type must be "sqlite", "postgres" or "kysely"; got ${JSON.stringify((options as { type?: unknown }).type)}`);
}
