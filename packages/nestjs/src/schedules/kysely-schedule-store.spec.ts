import { createTestDatabase, TestStores, openTestStores } from '@cask/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KyselyScheduleStore } from './kysely-schedule-store';
import type { ScheduleInput } from './schedule-record';
import { ScheduleStore } from './schedule-store';

/** One database backend: a fresh migrated database per test, opened as often as a test needs. */
interface Backend {
  name: string;
  /**
   * Whether several api instances may share the database. Only PostgreSQL: two SQLite handles in one
   * test process would block each other's transactions, so there the races run within one instance.
   */
  shared: boolean;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** A fresh, migrated database for the next test. */
  reset(): Promise<void>;
  /** A job store on the current database; the schedule store shares its Kysely, as in the api. */
  open(): TestStores;
}

function sqliteBackend(): Backend {
  let dir = '';
  let path = '';
  let n = 0;
  return {
    name: 'SQLite',
    shared: false,
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), 'cask-schedule-store-'));
    },
    async tearDown() {
      rmSync(dir, { recursive: true, force: true });
    },
    async reset() {
      n += 1;
      path = join(dir, `schedules-${n}.db`);
    },
    open: () => openTestStores({ type: 'sqlite', path }),
  };
}

function postgresBackend(): Backend {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  return {
    name: 'PostgreSQL',
    shared: true,
    async setUp() {
      database = await createTestDatabase();
    },
    async tearDown() {
      await database?.drop();
    },
    async reset() {
      const store = openTestStores({ type: 'postgres', url: database!.url, poolSize: 1 });
      await store.migrate();
      await store.database.deleteFrom('schedules').execute();
      await store.close();
    },
    open: () => openTestStores({ type: 'postgres', url: database!.url, poolSize: 4 }),
  };
}

const T0 = 1_700_000_000_000;

function nightly(overrides: Partial<ScheduleInput> = {}): ScheduleInput {
  return {
    name: 'reports.nightly',
    cron: '0 3 * * *',
    timezone: 'Europe/Berlin',
    type: 'email.welcome',
    payload: { email: 'ops@example.com', name: 'Ops' },
    options: { priority: 5, max_attempts: 2, backoff: { type: 'fixed', base_ms: 100, cap_ms: 100, jitter: 0 }, timeout_ms: 1000 },
    source: 'api',
    ...overrides,
  };
}

describe.each([sqliteBackend(), postgresBackend()])('KyselyScheduleStore on $name', (backend) => {
  let jobStores: TestStores[];
  let store: ScheduleStore;

  /** Another schedule store on the same database, as a second api instance would have. */
  async function openAnother(): Promise<ScheduleStore> {
    if (!backend.shared && jobStores.length > 0) return store;
    const jobStore = backend.open();
    jobStores.push(jobStore);
    await jobStore.migrate();
    return new KyselyScheduleStore(jobStore.database);
  }

  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());

  beforeEach(async () => {
    jobStores = [];
    await backend.reset();
    store = await openAnother();
  });

  afterEach(async () => {
    for (const jobStore of jobStores) await jobStore.close();
  });

  describe('upsert', () => {
    it('creates a schedule, unpaused, with its first tick and every field as given', async () => {
      const { created, schedule } = await store.upsert(nightly(), T0 + 5000, T0);

      expect(created).toBe(true);
      expect(schedule).toEqual({
        ...nightly(),
        tenant: 'default',
        paused: false,
        nextRunAt: T0 + 5000,
        lastRunAt: null,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await store.get('reports.nightly')).toEqual(schedule);
    });

    it('replaces what an existing schedule dispatches but keeps its pending tick when the timing is unchanged', async () => {
      await store.upsert(nightly(), T0 + 5000, T0);

      const { created, schedule } = await store.upsert(
        nightly({ type: 'demo.flaky', payload: { fail_times: 0 }, options: {} }),
        T0 + 9000,
        T0 + 100,
      );

      expect(created).toBe(false);
      expect(schedule).toMatchObject({
        type: 'demo.flaky',
        payload: { fail_times: 0 },
        options: {},
        nextRunAt: T0 + 5000,
        createdAt: T0,
        updatedAt: T0 + 100,
      });
    });

    it.each([
      ['cron', { cron: '0 4 * * *' }],
      ['time zone', { timezone: 'UTC' }],
    ])('moves the pending tick when the %s changes', async (_, change) => {
      await store.upsert(nightly(), T0 + 5000, T0);

      const { schedule } = await store.upsert(nightly(change), T0 + 9000, T0 + 100);

      expect(schedule).toMatchObject({ ...change, nextRunAt: T0 + 9000 });
    });

    it('keeps a paused schedule paused and without a tick, even with a new cron', async () => {
      await store.upsert(nightly(), T0 + 5000, T0);
      await store.pause('reports.nightly', T0 + 50);

      const { schedule } = await store.upsert(nightly({ cron: '0 4 * * *' }), T0 + 9000, T0 + 100);

      expect(schedule).toMatchObject({ cron: '0 4 * * *', paused: true, nextRunAt: null });
    });

    it('creates a schedule once when two instances (or two requests) declare it at the same time', async () => {
      const other = await openAnother();

      const results = await Promise.all([store.upsert(nightly(), T0 + 5000, T0), other.upsert(nightly(), T0 + 5000, T0)]);

      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(await store.list('default')).toHaveLength(1);
    });
  });

  it('lists schedules by name and answers undefined for an unknown one', async () => {
    for (const name of ['b.second', 'a.first', 'c.third']) await store.upsert(nightly({ name }), T0 + 5000, T0);

    expect((await store.list('default')).map((s) => s.name)).toEqual(['a.first', 'b.second', 'c.third']);
    expect(await store.get('d.unknown')).toBeUndefined();
  });

  it('deletes a schedule and says whether there was one', async () => {
    await store.upsert(nightly(), T0 + 5000, T0);

    expect(await store.delete('reports.nightly')).toBe(true);
    expect(await store.delete('reports.nightly')).toBe(false);
    expect(await store.list('default')).toEqual([]);
  });

  describe('pause and resume', () => {
    it('pausing clears the pending tick, so it is no longer due', async () => {
      await store.upsert(nightly(), T0 + 5000, T0);

      expect(await store.pause('reports.nightly', T0 + 10)).toMatchObject({ paused: true, nextRunAt: null, updatedAt: T0 + 10 });
      expect(await store.due(T0 + 60_000, 10)).toEqual([]);
      expect(await store.nextDue()).toBeUndefined();
    });

    it('resuming sets the tick it is given', async () => {
      await store.upsert(nightly(), T0 + 5000, T0);
      await store.pause('reports.nightly', T0 + 10);

      expect(await store.resume('reports.nightly', T0 + 70_000, T0 + 60_000)).toMatchObject({
        paused: false,
        nextRunAt: T0 + 70_000,
        updatedAt: T0 + 60_000,
      });
    });

    it('resuming a schedule that is not paused leaves its pending tick alone', async () => {
      await store.upsert(nightly(), T0 + 5000, T0);

      expect(await store.resume('reports.nightly', T0 + 70_000, T0 + 60_000)).toMatchObject({
        paused: false,
        nextRunAt: T0 + 5000,
        updatedAt: T0,
      });
    });

    it('answers undefined for an unknown schedule', async () => {
      expect(await store.pause('d.unknown', T0)).toBeUndefined();
      expect(await store.resume('d.unknown', T0, T0)).toBeUndefined();
    });
  });

  describe('due', () => {
    it('returns the unpaused schedules whose tick has come, earliest first, at most the limit', async () => {
      await store.upsert(nightly({ name: 'a.later' }), T0 + 3000, T0);
      await store.upsert(nightly({ name: 'b.earlier' }), T0 + 1000, T0);
      await store.upsert(nightly({ name: 'c.middle' }), T0 + 2000, T0);
      await store.upsert(nightly({ name: 'd.future' }), T0 + 9000, T0);
      await store.upsert(nightly({ name: 'e.paused' }), T0 + 500, T0);
      await store.pause('e.paused', T0);

      expect((await store.due(T0 + 3000, 10)).map((s) => s.name)).toEqual(['b.earlier', 'c.middle', 'a.later']);
      expect((await store.due(T0 + 3000, 2)).map((s) => s.name)).toEqual(['b.earlier', 'c.middle']);
      expect(await store.nextDue()).toBe(T0 + 1000);
    });
  });

  describe('claim', () => {
    it('moves the schedule to its next tick and records the one claimed', async () => {
      await store.upsert(nightly(), T0 + 1000, T0);

      expect(await store.claim('reports.nightly', T0 + 1000, T0 + 2000)).toBe(true);
      expect(await store.get('reports.nightly')).toMatchObject({ nextRunAt: T0 + 2000, lastRunAt: T0 + 1000 });
    });

    it('refuses a tick that is no longer pending, a paused schedule and an unknown one', async () => {
      await store.upsert(nightly(), T0 + 1000, T0);
      await store.claim('reports.nightly', T0 + 1000, T0 + 2000);

      expect(await store.claim('reports.nightly', T0 + 1000, T0 + 3000)).toBe(false);
      await store.pause('reports.nightly', T0);
      expect(await store.claim('reports.nightly', T0 + 2000, T0 + 3000)).toBe(false);
      expect(await store.claim('d.unknown', T0 + 2000, T0 + 3000)).toBe(false);
      expect(await store.get('reports.nightly')).toMatchObject({ nextRunAt: null, lastRunAt: T0 + 1000 });
    });

    it('lets exactly one of many concurrent claims of one tick succeed', async () => {
      const other = await openAnother();
      await store.upsert(nightly(), T0 + 1000, T0);

      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).claim('reports.nightly', T0 + 1000, T0 + 2000 + i)),
      );

      expect(claims.filter(Boolean)).toHaveLength(1);
      const winner = claims.indexOf(true);
      expect(await store.get('reports.nightly')).toMatchObject({ nextRunAt: T0 + 2000 + winner, lastRunAt: T0 + 1000 });
    });
  });

  it('deletes only the code schedules not kept, and says which', async () => {
    await store.upsert(nightly({ name: 'a.code-kept', source: 'code' }), T0 + 1000, T0);
    await store.upsert(nightly({ name: 'b.code-gone', source: 'code' }), T0 + 1000, T0);
    await store.upsert(nightly({ name: 'c.api', source: 'api' }), T0 + 1000, T0);

    expect(await store.deleteCodeSchedulesExcept(['a.code-kept'])).toEqual(['b.code-gone']);
    expect((await store.list('default')).map((s) => s.name)).toEqual(['a.code-kept', 'c.api']);
    expect(await store.deleteCodeSchedulesExcept([])).toEqual(['a.code-kept']);
    expect((await store.list('default')).map((s) => s.name)).toEqual(['c.api']);
  });
});
