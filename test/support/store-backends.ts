import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase } from './postgres';
import { TestStores, openTestStores } from './stores';

/** Where one database backend keeps a spec file's databases, and how to get an empty one for each test. */
export interface StoreBackend {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** Empties the database (no tables at all), so every test starts from a first boot. */
  reset(): Promise<void>;
  /** A new store instance on the current database. */
  open(): TestStores;
}

/** A new SQLite file per test, in a folder of the spec's own. */
export function sqliteBackend(): StoreBackend {
  let dir = '';
  let path = '';
  let n = 0;
  return {
    name: 'SQLite',
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), 'cask-store-'));
    },
    async tearDown() {
      rmSync(dir, { recursive: true, force: true });
    },
    async reset() {
      n += 1;
      path = join(dir, `store-${n}.db`);
    },
    open: () => openTestStores({ type: 'sqlite', path }),
  };
}

/** A PostgreSQL database of the spec's own, its schema dropped before each test. */
export function postgresBackend(poolSize = 4): StoreBackend & { url(): string } {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  return {
    name: 'PostgreSQL',
    async setUp() {
      database = await createTestDatabase();
    },
    async tearDown() {
      await database?.drop();
    },
    async reset() {
      const client = new Client({ connectionString: database!.url });
      await client.connect();
      try {
        await client.query('drop schema public cascade; create schema public');
      } finally {
        await client.end();
      }
    },
    open: () => openTestStores({ type: 'postgres', url: database!.url, poolSize }),
    url: () => database!.url,
  };
}

/** Both backends, for `describe.each`. */
export const storeBackends = (poolSize?: number): StoreBackend[] => [sqliteBackend(), postgresBackend(poolSize)];

/**
 * Registers a spec block's hooks for `backend`: its databases made and dropped around the block, and before each
 * test an empty database, migrated, with a store instance on it (closed after the test). Returns the current one.
 */
export function migratedStores(backend: StoreBackend): () => TestStores {
  let stores: TestStores | undefined;
  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());
  beforeEach(async () => {
    await backend.reset();
    stores = backend.open();
    await stores.migrate();
  });
  afterEach(async () => {
    await stores?.close();
    stores = undefined;
  });
  return () => stores as TestStores;
}
