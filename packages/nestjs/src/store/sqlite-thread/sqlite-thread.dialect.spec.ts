import { CompiledQuery, Kysely, sql } from 'kysely';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteThreadDialect, SqliteThreadError } from './sqlite-thread.dialect';

/** SQLite's WAL file: a 32-byte header, then frames of a 24-byte header and one page (4 KiB by default). */
const WAL_HEADER_BYTES = 32;
const WAL_FRAME_BYTES = 24 + 4096;

interface Tables {
  items: { id: number; name: string; data: Buffer | null };
}

describe('SqliteThreadDialect', () => {
  let dir: string;
  let dialect: SqliteThreadDialect;
  let db: Kysely<Tables>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cask-sqlite-thread-'));
    dialect = new SqliteThreadDialect({ path: join(dir, 'test.db'), pragmas: ['journal_mode = WAL', 'synchronous = FULL'] });
    db = new Kysely<Tables>({ dialect });
    await sql`create table items (id integer primary key, name text not null, data blob)`.execute(db);
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs statements in the thread: inserts say what they changed, selects return rows', async () => {
    const inserted = await db
      .insertInto('items')
      .values([
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ])
      .executeTakeFirstOrThrow();
    const rows = await db.selectFrom('items').select(['id', 'name']).orderBy('id').execute();

    expect(inserted.numInsertedOrUpdatedRows).toBe(2n);
    expect(rows).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    expect((await sql<{ mode: string }>`pragma journal_mode`.execute(db)).rows).toEqual([{ journal_mode: 'wal' }]);
  });

  it('binds a Buffer and reads a blob back', async () => {
    await db
      .insertInto('items')
      .values({ id: 1, name: 'a', data: Buffer.from([1, 2, 3]) })
      .execute();

    const row = await db.selectFrom('items').select('data').executeTakeFirstOrThrow();

    expect(Buffer.from(row.data as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
  });

  it("rejects a failing statement with SQLite's message and code, and goes on working", async () => {
    await db.insertInto('items').values({ id: 1, name: 'a' }).execute();

    const failure = db.insertInto('items').values({ id: 1, name: 'again' }).execute();

    await expect(failure).rejects.toThrow(SqliteThreadError);
    await expect(failure).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY', message: expect.stringContaining('UNIQUE') });
    expect(await db.selectFrom('items').select('name').execute()).toEqual([{ name: 'a' }]);
  });

  it('runs a batch all or none', async () => {
    const insert = (id: number, name: string): CompiledQuery => db.insertInto('items').values({ id, name }).compile();

    await dialect.batch([insert(1, 'a'), insert(2, 'b')]);
    await expect(dialect.batch([insert(3, 'c'), insert(1, 'duplicate')])).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });

    expect(await db.selectFrom('items').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('commits batches sent together in fewer transactions, and rolls a failing one back alone', async () => {
    const insert = (id: number): CompiledQuery =>
      db
        .insertInto('items')
        .values({ id, name: `item ${id}` })
        .compile();
    const walFrames = (): number => Math.max(0, (statSync(join(dir, 'test.db-wal')).size - WAL_HEADER_BYTES) / WAL_FRAME_BYTES);
    const before = walFrames();

    // Sent in one turn: the thread finds them queued behind the first and commits them together.
    const batches = Array.from({ length: 40 }, (_, i) => dialect.batch([insert(i + 1)]));
    const failing = dialect.batch([insert(100), insert(1)]);
    const after = dialect.batch([insert(41)]);

    await expect(Promise.all([...batches, after])).resolves.toHaveLength(41);
    await expect(failing).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    const ids = (await db.selectFrom('items').select('id').orderBy('id').execute()).map(({ id }) => id);
    expect(ids).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    // Each commit that changed something writes at least one page to the WAL: 41 commits, 41 frames or more.
    expect(walFrames() - before).toBeLessThan(41);
  });

  it('keeps order across a group: a statement sent after a batch sees its row', async () => {
    const batch = dialect.batch([db.insertInto('items').values({ id: 1, name: 'a' }).compile()]);
    const rows = db.selectFrom('items').select('id').execute();

    await batch;
    expect(await rows).toEqual([{ id: 1 }]);
  });

  it('keeps a transaction to itself: a batch and other statements wait until it ends', async () => {
    const order: string[] = [];
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const transaction = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 1, name: 'in transaction' }).execute();
      inside();
      await held;
      order.push('transaction');
    });
    await entered;

    const batch = dialect.batch([db.insertInto('items').values({ id: 2, name: 'batch' }).compile()]).then(() => order.push('batch'));
    const select = db
      .selectFrom('items')
      .select('id')
      .execute()
      .then((rows) => order.push(`select ${rows.length}`));
    finish();
    await Promise.all([transaction, batch, select]);

    // The select saw the transaction's row: it ran after the commit, whether before or after the batch.
    expect(order[0]).toBe('transaction');
    expect(order.slice(1)).toEqual(expect.arrayContaining(['batch', expect.stringMatching(/^select [12]$/)]));
    expect(await db.selectFrom('items').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('rolls a failed transaction back', async () => {
    const failing = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 1, name: 'a' }).execute();
      throw new Error('changed my mind');
    });

    await expect(failing).rejects.toThrow('changed my mind');
    expect(await db.selectFrom('items').selectAll().execute()).toEqual([]);
  });

  it('says why when the file cannot be opened', async () => {
    const unopenable = new Kysely<Tables>({
      dialect: new SqliteThreadDialect({ path: join(dir, 'no-such-folder', 'test.db'), pragmas: [] }),
    });

    await expect(sql`select 1`.execute(unopenable)).rejects.toThrow('directory does not exist');
    await unopenable.destroy();
  });

  it('refuses statements once destroyed, and a second destroy is harmless', async () => {
    await db.destroy();

    await expect(db.selectFrom('items').selectAll().execute()).rejects.toThrow();
    await expect(db.destroy()).resolves.toBeUndefined();
    await expect(dialect.batch([CompiledQuery.raw('select 1')])).rejects.toThrow();
  });

  it('starts a new thread for later statements when the thread ended', async () => {
    const driver = new SqliteThreadDialect({ path: join(dir, 'test.db'), pragmas: [] }).createDriver();
    await driver.init();
    const first = await driver.acquireConnection();
    // As if the thread died: it closes its database and exits.
    await (first as unknown as { close(): Promise<void> }).close();
    await expect(first.executeQuery(CompiledQuery.raw('select 1 as n'))).rejects.toThrow('The SQLite thread stopped');
    await driver.releaseConnection(first);

    const second = await driver.acquireConnection();

    expect(second).not.toBe(first);
    expect((await second.executeQuery(CompiledQuery.raw('select count(*) as n from items'))).rows).toEqual([{ n: 0 }]);
    await driver.releaseConnection(second);
    await driver.destroy();
    await expect(driver.acquireConnection()).rejects.toThrow('closed');
  });
});
