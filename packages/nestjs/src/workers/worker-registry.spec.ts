import { WorkerHeartbeat } from '@cask/contracts';
import { createTestDatabase, TestStores, openTestStores } from '@cask/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerRegistry } from './worker-registry';
import { toWorkerView } from './worker-view';

/** A fresh migrated store of one backend per test, and how to throw it away. */
interface Backend {
  name: string;
  open(): Promise<{ store: TestStores; drop: () => Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cask-workers-'));
      const store = openTestStores({ type: 'sqlite', path: join(dir, 'cask.db') });
      return { store, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const database = await createTestDatabase();
      return { store: openTestStores({ type: 'postgres', url: database.url, poolSize: 2 }), drop: database.drop };
    },
  },
];

const beat = (workerId: string, change: Partial<WorkerHeartbeat> = {}): WorkerHeartbeat => ({
  worker_id: workerId,
  host: 'box-a',
  pid: 100,
  queues: ['default', 'video'],
  concurrency: 16,
  in_flight: 0,
  started_at: 1_700_000_000_000,
  at: 1_700_000_000_500,
  ...change,
});

describe.each(backends)('WorkerRegistry on $name', (backend) => {
  let store: TestStores;
  let drop: () => Promise<void>;
  let registry: WorkerRegistry;

  beforeEach(async () => {
    ({ store, drop } = await backend.open());
    await store.migrate();
    registry = new WorkerRegistry(store.database);
  });

  afterEach(async () => {
    await store.close();
    await drop();
  });

  it('lists a worker from its heartbeat, seen when the api received it', async () => {
    await registry.record(beat('w1', { in_flight: 3 }), 1_700_000_001_000);

    const rows = await registry.heardSince(1_700_000_000_000);
    expect(rows.map(toWorkerView)).toEqual([
      {
        id: 'w1',
        host: 'box-a',
        pid: 100,
        queues: ['default', 'video'],
        concurrency: 16,
        in_flight: 3,
        started_at: '2023-11-14T22:13:20.000Z',
        last_seen: '2023-11-14T22:13:21.000Z',
      },
    ]);
  });

  it('keeps one row per worker, updated by each heartbeat', async () => {
    await registry.record(beat('w1', { in_flight: 1 }), 1000);
    await registry.record(beat('w1', { in_flight: 5, pid: 200 }), 2000);

    const rows = await registry.heardSince(0);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: 'w1', in_flight: 5, pid: 200, last_seen: 2000 });
  });

  it('leaves out workers not heard from since the given time', async () => {
    await registry.record(beat('quiet'), 1000);
    await registry.record(beat('chatty'), 5000);

    expect((await registry.heardSince(1000)).map((row) => row.id)).toEqual(['chatty']);
    expect((await registry.heardSince(999)).map((row) => row.id)).toEqual(['chatty', 'quiet']);
  });

  it('forgets a worker that said goodbye, and only that one', async () => {
    await registry.record(beat('w1'), 1000);
    await registry.record(beat('w2'), 1000);

    await registry.forget('w1');

    expect((await registry.heardSince(0)).map((row) => row.id)).toEqual(['w2']);
  });

  it('names the queues whose every live worker reads job packs', async () => {
    await registry.record(beat('new-1', { queues: ['default', 'video'], formats: [1, 2] }), 1000);
    await registry.record(beat('new-2', { queues: ['video'], formats: [1, 2] }), 1000);
    expect([...(await registry.packableQueues(0))].sort()).toEqual(['default', 'video']);

    // An older worker on video (no formats in its heartbeat) keeps video's jobs alone; a silent one counts for nothing.
    await registry.record(beat('old-1', { queues: ['video'] }), 1000);
    await registry.record(beat('old-2', { queues: ['default'] }), 10);
    expect([...(await registry.packableQueues(500))]).toEqual(['default']);
  });

  it('names the silent workers, deletes their rows and says how many', async () => {
    await registry.record(beat('gone-1'), 1000);
    await registry.record(beat('gone-2'), 2000);
    await registry.record(beat('alive'), 3000);

    expect(await registry.silentSince(2000)).toEqual(['gone-1', 'gone-2']);
    expect(await registry.forgetSilent(2000)).toBe(2);
    expect((await registry.heardSince(0)).map((row) => row.id)).toEqual(['alive']);
    expect(await registry.silentSince(2000)).toEqual([]);
    expect(await registry.forgetSilent(2000)).toBe(0);
  });
});
