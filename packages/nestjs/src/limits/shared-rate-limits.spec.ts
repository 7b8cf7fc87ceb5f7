import { TestStores, migratedStores, openTestStores, postgresBackend, sqliteBackend } from '@cask/testing';
import { sql } from 'kysely';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { CaskDatabase } from '../store/cask-database';
import { SharedRateLimits } from './shared-rate-limits';

/** How many of `count` takes, spread over the limiters in turn, a limiter let through. */
async function admitted(limiters: ReadonlyArray<{ consume(key: string): Promise<unknown> }>, count: number, key = 'acme'): Promise<number> {
  const outcomes = await Promise.allSettled(Array.from({ length: count }, (_, i) => limiters[i % limiters.length].consume(key)));
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected' && !(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
  }
  return outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
}

describe('SharedRateLimits on PostgreSQL', () => {
  const backend = postgresBackend(2);
  let first: TestStores;
  let second: TestStores;

  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());
  beforeEach(async () => {
    await backend.reset();
    first = backend.open();
    await first.migrate();
    second = backend.open();
  });
  afterEach(async () => {
    await first.close();
    await second.close();
  });

  it('counts one key across instances on one database: 5 a second between two, not 5 each', async () => {
    const limiters = [new SharedRateLimits(first.cask), new SharedRateLimits(second.cask)].map((limits) => limits.limiter('requests', 5));
    expect(new SharedRateLimits(first.cask).shared).toBe(true);

    expect(await admitted(limiters, 20)).toBe(5);
    // Other keys and other limiters count on their own.
    expect(await admitted(limiters, 4, 'globex')).toBe(4);
    expect(await admitted([new SharedRateLimits(first.cask).limiter('dispatch', 5)], 5)).toBe(5);
    const rows = await first.database.selectFrom('rate_limits').select(['key', 'points', 'expire']).orderBy('key').execute();
    expect(rows.map((row) => row.key)).toEqual(['dispatch:acme', 'requests:acme', 'requests:globex']);
    // The count holds what instances claimed (at least what they let through); each window ends on a whole second.
    expect(Number(rows[1].points)).toBeGreaterThanOrEqual(5);
    expect(Number(rows[1].expire) % 1000).toBe(0);
  });

  it('keeps one row per key however many claims a busy key makes', async () => {
    const limiter = new SharedRateLimits(first.cask).limiter('requests', 1000);
    for (let i = 0; i < 300; i++) await limiter.consume('acme');
    expect(await first.database.selectFrom('rate_limits').select('key').execute()).toEqual([{ key: 'requests:acme' }]);
  });

  it("takes the host's table prefix", async () => {
    const prefixed = openTestStores({ type: 'postgres', url: backend.url(), poolSize: 1, tablePrefix: 'cask_' });
    try {
      await prefixed.migrate();
      expect(await admitted([new SharedRateLimits(prefixed.cask).limiter('requests', 3)], 5)).toBe(3);
      // Read through the prefixing plugin, and by the prefixed name the limiter wrote to.
      expect(await prefixed.database.selectFrom('rate_limits').select('key').execute()).toEqual([{ key: 'requests:acme' }]);
      const raw = await sql<{ key: string }>`select key from cask_rate_limits`.execute(prefixed.database);
      expect(raw.rows).toEqual([{ key: 'requests:acme' }]);
    } finally {
      await prefixed.close();
    }
  });

  it("counts in this instance's memory while the database does not answer, rather than failing the request", async () => {
    const limits = new SharedRateLimits(first.cask);
    const limiter = limits.limiter('requests', 5);
    await first.close();

    expect(await admitted([limiter], 8)).toBe(5);
    first = backend.open();
  });
});

describe('SharedRateLimits on SQLite', () => {
  const stores = migratedStores(sqliteBackend());

  it('counts in memory: the store has one instance to itself', async () => {
    const limits = new SharedRateLimits(stores().cask);
    expect(limits.shared).toBe(false);
    expect(await admitted([limits.limiter('requests', 5)], 8)).toBe(5);
    expect(await stores().database.selectFrom('rate_limits').selectAll().execute()).toEqual([]);
  });

  it('counts in memory without a store at all', async () => {
    expect(await admitted([new SharedRateLimits(undefined as unknown as CaskDatabase).limiter('requests', 2)], 3)).toBe(2);
  });
});
