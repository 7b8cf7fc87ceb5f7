import { createTestDatabase, TestStores, openTestStores } from '@cask/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeaseStore } from './lease-store';

/** A migrated database of one backend for this file; `open` gives another connection to the same one. */
interface Backend {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  open(): TestStores;
}

const backends: Backend[] = [
  (() => {
    let dir = '';
    return {
      name: 'SQLite',
      setUp: async () => {
        dir = mkdtempSync(join(tmpdir(), 'cask-leases-'));
      },
      tearDown: async () => rmSync(dir, { recursive: true, force: true }),
      open: () => openTestStores({ type: 'sqlite', path: join(dir, 'cask.db') }),
    };
  })(),
  (() => {
    let database: { url: string; drop: () => Promise<void> } | undefined;
    return {
      name: 'PostgreSQL',
      setUp: async () => {
        database = await createTestDatabase();
      },
      tearDown: async () => database?.drop(),
      open: () => openTestStores({ type: 'postgres', url: database!.url, poolSize: 4 }),
    };
  })(),
];

describe.each(backends)('LeaseStore on $name', (backend) => {
  const stores: TestStores[] = [];
  let leases: LeaseStore;
  let other: LeaseStore;
  let lease = '';
  let n = 0;

  beforeAll(async () => {
    await backend.setUp();
    const first = backend.open();
    await first.migrate();
    stores.push(first, backend.open());
    leases = new LeaseStore(stores[0].database);
    other = new LeaseStore(stores[1].database);
  });

  afterAll(async () => {
    for (const store of stores) await store.close();
    await backend.tearDown();
  });

  // Each test its own lease name, so they never see each other's rows.
  beforeEach(() => {
    n += 1;
    lease = `lease-${n}`;
  });

  it('gives a free lease to the first holder that asks', async () => {
    expect(await leases.acquire(lease, 'a', 3000, 1000)).toBe(true);
  });

  it('keeps a live lease from another holder, from either connection', async () => {
    await leases.acquire(lease, 'a', 3000, 1000);

    expect(await leases.acquire(lease, 'b', 3000, 2000)).toBe(false);
    expect(await other.acquire(lease, 'b', 3000, 3999)).toBe(false);
  });

  it('renews the lease of its holder, extending it', async () => {
    await leases.acquire(lease, 'a', 3000, 1000);

    expect(await leases.acquire(lease, 'a', 3000, 3500)).toBe(true);
    expect(await other.acquire(lease, 'b', 3000, 5000)).toBe(false);
    expect(await other.acquire(lease, 'b', 3000, 6500)).toBe(true);
  });

  it('gives an expired lease to another holder, and the old holder then loses it', async () => {
    await leases.acquire(lease, 'a', 3000, 1000);

    expect(await other.acquire(lease, 'b', 3000, 4000)).toBe(true);
    expect(await leases.acquire(lease, 'a', 3000, 4500)).toBe(false);
  });

  it('frees a released lease at once, but only for its holder', async () => {
    await leases.acquire(lease, 'a', 3000, 1000);

    await other.release(lease, 'b');
    expect(await other.acquire(lease, 'b', 3000, 1500)).toBe(false);
    await leases.release(lease, 'a');
    expect(await other.acquire(lease, 'b', 3000, 1500)).toBe(true);
  });

  it('gives a free lease to exactly one of many holders asking at once', async () => {
    const holders = Array.from({ length: 8 }, (_, i) => `holder-${i}`);
    const won = await Promise.all(holders.map((holder, i) => (i % 2 === 0 ? leases : other).acquire(lease, holder, 3000, 1000)));

    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('gives an expired lease to exactly one of many holders asking at once', async () => {
    await leases.acquire(lease, 'old', 3000, 1000);
    const holders = Array.from({ length: 8 }, (_, i) => `holder-${i}`);
    const won = await Promise.all(holders.map((holder, i) => (i % 2 === 0 ? leases : other).acquire(lease, holder, 3000, 5000)));

    expect(won.filter(Boolean)).toHaveLength(1);
  });
});
