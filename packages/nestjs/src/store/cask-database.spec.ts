import { JobSucceededEvent } from '@cask/contracts';
import { TestStores, createTestDatabase, storesOver } from '@cask/testing';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { CaskStoreOptions } from '../cask-options';
import { openCaskDatabase } from './cask-database';
import { CASK_INDEXES, CASK_TABLES } from './cask-tables.plugin';

const T0 = Date.now();

/** The indexes the latest schema has: 0004_tenants dropped `jobs_status_id` (the drop took the prefix too). */
const LIVE_INDEXES = CASK_INDEXES.filter((name) => name !== 'jobs_status_id');

/** A job, its message, a claim, its success, its stats: every store touched once. */
async function exercise(stores: TestStores): Promise<void> {
  const id = uuidv7();
  await stores.createJob(
    {
      id,
      type: 'host.job',
      queue: 'default',
      status: 'queued',
      payload: { n: 1 },
      maxAttempts: 3,
      priority: 0,
      createdAt: T0,
      backoff: { type: 'fixed', baseMs: 1, capMs: 1, jitter: 0 },
      timeoutMs: 1000,
    },
    { id: uuidv7(), jobId: id, routingKey: 'default', body: '{}', priority: 0, createdAt: T0, availableAt: T0, target: 'jobs' },
  );
  expect(await stores.claimOutbox(10, 1000)).toHaveLength(1);
  const success: JobSucceededEvent = {
    kind: 'succeeded',
    job_id: id,
    type: 'host.job',
    series: 1,
    attempt: 1,
    at: T0 + 5,
    worker: 'w',
    result: { ok: true },
    started_at: T0 + 1,
    start_unreported: true,
  };
  expect(await stores.applyEvents([success])).toMatchObject({ applied: 1 });
  expect(await stores.get(id)).toMatchObject({ status: 'succeeded', result: { ok: true }, createdAt: T0, finishedAt: T0 + 5 });
  expect((await stores.counts('default')).byStatus).toEqual({ succeeded: 1 });
  expect(await stores.history(id)).toHaveLength(2);
}

/** A host's own table named like Cask's, with other columns: Cask must never touch it. */
const HOST_JOBS = 'create table jobs (name varchar(50) primary key, owner varchar(50) not null)';

describe('CaskDatabase on SQLite', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cask-database-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('puts every table and index under the prefix, beside a host table of the same base name', async () => {
    const path = join(dir, 'shared.db');
    const host = new BetterSqlite3(path);
    host.exec(HOST_JOBS);
    host.prepare('insert into jobs values (?, ?)').run('nightly', 'ops');

    const stores = storesOver(openCaskDatabase({ type: 'sqlite', path, tablePrefix: 'cask_' }));
    await stores.migrate();
    await exercise(stores);
    await stores.close();

    const names = host
      .prepare("select name from sqlite_master where type in ('table', 'index') and name not like 'sqlite_%'")
      .all() as Array<{ name: string }>;
    expect(names.map((row) => row.name).sort()).toEqual(
      ['jobs', ...[...CASK_TABLES, ...LIVE_INDEXES, 'cask_migrations', 'cask_migrations_lock'].map((name) => `cask_${name}`)].sort(),
    );
    expect(host.prepare('select * from jobs').all()).toEqual([{ name: 'nightly', owner: 'ops' }]);
    host.close();
  });

  it("works over the host's own Kysely instance and leaves it open", async () => {
    const kysely = new Kysely<{ jobs: { name: string; owner: string } }>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(join(dir, 'host.db')) }),
    });
    await sql.raw(HOST_JOBS).execute(kysely);
    const stores = storesOver(openCaskDatabase({ type: 'kysely', kysely, tablePrefix: 'cask_' }));
    expect(stores.cask.dialect).toBe('sqlite');
    await stores.migrate();
    await exercise(stores);
    await stores.close();

    await kysely.insertInto('jobs').values({ name: 'still', owner: 'open' }).execute();
    expect(await kysely.selectFrom('jobs').selectAll().execute()).toEqual([{ name: 'still', owner: 'open' }]);
    await kysely.destroy();
  });

  it.each<[string, CaskStoreOptions, RegExp]>([
    [
      'a prefix that is not a plain name',
      { type: 'sqlite', path: ':memory:', tablePrefix: 'cask-' },
      /tablePrefix must be letters, digits and "_"/,
    ],
    ['a prefix starting with a digit', { type: 'sqlite', path: ':memory:', tablePrefix: '1cask_' }, /tablePrefix/],
    [
      'a schema on SQLite',
      { type: 'kysely', kysely: new Kysely({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) }), schema: 'cask' },
      /schema works on PostgreSQL only/,
    ],
    ['PostgreSQL with neither a URL nor a pool', { type: 'postgres' }, /needs store.url or store.pool/],
  ])('refuses %s, saying why', (_, options, reason) => {
    expect(() => openCaskDatabase(options)).toThrow(reason);
  });
});

describe('CaskDatabase on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin.end();
    await database.drop();
  });

  beforeEach(async () => {
    await admin.query('drop schema public cascade; create schema public');
    await admin.query('drop schema if exists cask cascade');
    await admin.query(HOST_JOBS);
    await admin.query("insert into jobs values ('nightly', 'ops')");
  });

  const tablesIn = async (schema: string) =>
    (await admin.query<{ name: string }>('select tablename as name from pg_tables where schemaname = $1 order by 1', [schema])).rows.map(
      (row) => row.name,
    );
  const indexesIn = async (schema: string) =>
    (
      await admin.query<{ name: string }>(
        "select indexname as name from pg_indexes where schemaname = $1 and indexname not like '%_pkey' order by 1",
        [schema],
      )
    ).rows.map((row) => row.name);

  it('puts every table and index under the prefix, beside a host table of the same base name', async () => {
    const stores = storesOver(openCaskDatabase({ type: 'postgres', url: database.url, poolSize: 2, tablePrefix: 'cask_' }));
    await stores.migrate();
    await exercise(stores);
    await stores.close();

    expect(await tablesIn('public')).toEqual(
      ['jobs', ...[...CASK_TABLES, 'cask_migrations', 'cask_migrations_lock'].map((name) => `cask_${name}`)].sort(),
    );
    expect(await indexesIn('public')).toEqual(LIVE_INDEXES.map((name) => `cask_${name}`).sort());
    expect((await admin.query('select * from jobs')).rows).toEqual([{ name: 'nightly', owner: 'ops' }]);
  });

  it('puts every table in its own schema, created when missing', async () => {
    const stores = storesOver(openCaskDatabase({ type: 'postgres', url: database.url, poolSize: 2, schema: 'cask' }));
    await stores.migrate();
    await exercise(stores);
    await stores.close();

    expect(await tablesIn('cask')).toEqual([...CASK_TABLES, 'cask_migrations', 'cask_migrations_lock'].sort());
    expect(await tablesIn('public')).toEqual(['jobs']);
    expect((await admin.query('select * from public.jobs')).rows).toEqual([{ name: 'nightly', owner: 'ops' }]);
  });

  it("works over the host's own pg pool, keeps its type parsers, and leaves it open", async () => {
    const pool = new Pool({ connectionString: database.url, max: 2 });
    const stores = storesOver(openCaskDatabase({ type: 'postgres', pool, tablePrefix: 'cask_' }));
    await stores.migrate();
    await exercise(stores);
    await stores.close();

    // Still the host's: open, and bigint still read as pg reads it by default (a string).
    expect((await pool.query('select 9007199254740993::bigint as n')).rows).toEqual([{ n: '9007199254740993' }]);
    await pool.end();
  });

  it("works over the host's own Kysely instance and leaves it open", async () => {
    const kysely = new Kysely<{ jobs: { name: string; owner: string } }>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: database.url, max: 2 }) }),
    });
    const stores = storesOver(openCaskDatabase({ type: 'kysely', kysely, schema: 'cask' }));
    expect(stores.cask.dialect).toBe('postgres');
    await stores.migrate();
    await exercise(stores);
    await stores.close();

    expect(await kysely.selectFrom('jobs').selectAll().execute()).toEqual([{ name: 'nightly', owner: 'ops' }]);
    await kysely.destroy();
  });
});
