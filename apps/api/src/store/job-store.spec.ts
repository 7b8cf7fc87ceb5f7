import { JobError, JobEvent, JobFailedEvent, JobProgress, JobStartedEvent, JobSucceededEvent } from '@cask/contracts';
import { createTestDatabase } from '@cask/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { JobRecord, NewJob } from './job-record';
import { JobStore } from './job-store';
import { PostgresJobStore } from './postgres-job-store';
import { SqliteJobStore } from './sqlite-job-store';

/** Where one backend keeps its databases for this file, and how to get an empty one for each test. */
interface Backend {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** Empties the database (no tables at all), so every test starts from a first boot. */
  reset(): Promise<void>;
  /** A new store instance on the current database. */
  open(): JobStore;
}

function sqliteBackend(): Backend {
  let dir = '';
  let path = '';
  let n = 0;
  return {
    name: 'SqliteJobStore',
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), 'cask-job-store-'));
    },
    async tearDown() {
      rmSync(dir, { recursive: true, force: true });
    },
    async reset() {
      n += 1;
      path = join(dir, `jobs-${n}.db`);
    },
    open: () => new SqliteJobStore(path),
  };
}

function postgresBackend(): Backend {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  return {
    name: 'PostgresJobStore',
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
    open: () => new PostgresJobStore(database!.url, 2),
  };
}

const T0 = 1_700_000_000_000;
const WORKER = 'worker-1';

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    id: uuidv7(),
    type: 'email.welcome',
    queue: 'default',
    status: 'queued',
    payload: { email: 'ada@example.com', name: 'Ada' },
    maxAttempts: 3,
    priority: 0,
    createdAt: T0,
    ...overrides,
  };
}

function started(jobId: string, options: { attempt?: number; at?: number; worker?: string } = {}): JobStartedEvent {
  return { kind: 'started', job_id: jobId, type: 'email.welcome', attempt: options.attempt ?? 1, at: options.at ?? T0 + 100, worker: options.worker ?? WORKER };
}

function progress(jobId: string, value: JobProgress, at = T0 + 150): JobEvent {
  return { kind: 'progress', job_id: jobId, type: 'email.welcome', attempt: 1, at, worker: WORKER, progress: value };
}

function succeeded(jobId: string, result: unknown, options: { attempt?: number; at?: number; startedAt?: number } = {}): JobSucceededEvent {
  return {
    kind: 'succeeded',
    job_id: jobId,
    type: 'email.welcome',
    attempt: options.attempt ?? 1,
    at: options.at ?? T0 + 200,
    started_at: options.startedAt ?? T0 + 100,
    worker: WORKER,
    result,
  };
}

const BOUNCED: JobError = { code: 'permanent', message: 'mailbox does not exist', retryable: false };

function failed(jobId: string, options: { attempt?: number; at?: number; error?: JobError } = {}): JobFailedEvent {
  return {
    kind: 'failed',
    job_id: jobId,
    type: 'email.welcome',
    attempt: options.attempt ?? 1,
    at: options.at ?? T0 + 300,
    started_at: T0 + 100,
    worker: WORKER,
    error: options.error ?? BOUNCED,
  };
}

describe.each([sqliteBackend(), postgresBackend()])('$name', (backend) => {
  let store: JobStore;

  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());

  beforeEach(async () => {
    await backend.reset();
    store = backend.open();
    await store.migrate();
  });

  afterEach(() => store.close());

  /** Inserts a job and returns its id. */
  async function given(overrides: Partial<NewJob> = {}): Promise<string> {
    const job = newJob(overrides);
    await store.insert(job);
    return job.id;
  }

  async function mustGet(id: string): Promise<JobRecord> {
    const record = await store.get(id);
    if (!record) throw new Error(`job ${id} is not in the store`);
    return record;
  }

  describe('migrate', () => {
    it('runs again on a migrated database, from another instance, and keeps its jobs', async () => {
      const id = await given();
      const second = backend.open();
      try {
        await second.migrate();
        await second.migrate();
        expect(await second.get(id)).toMatchObject({ id, status: 'queued' });
      } finally {
        await second.close();
      }
    });
  });

  describe('insert, get and remove', () => {
    it('returns an inserted job with its payload, times as numbers, no attempts yet and status queued', async () => {
      const job = newJob({ payload: { email: 'ada@example.com', name: 'Ada', tags: ['a', 'b'], nested: { n: 1 } }, priority: 7 });
      await store.insert(job);

      expect(await store.get(job.id)).toEqual({
        id: job.id,
        type: 'email.welcome',
        queue: 'default',
        status: 'queued',
        payload: { email: 'ada@example.com', name: 'Ada', tags: ['a', 'b'], nested: { n: 1 } },
        result: null,
        error: null,
        progress: null,
        attempts: 0,
        maxAttempts: 3,
        priority: 7,
        worker: null,
        createdAt: T0,
        updatedAt: T0,
        startedAt: null,
        finishedAt: null,
      });
    });

    it('returns undefined for an id it never stored', async () => {
      await given();

      expect(await store.get(uuidv7())).toBeUndefined();
    });

    it('forgets a removed job and keeps the others', async () => {
      const removed = await given();
      const kept = await given();

      await store.remove(removed);

      expect(await store.get(removed)).toBeUndefined();
      expect(await store.get(kept)).toMatchObject({ id: kept });
    });
  });

  describe('list', () => {
    const ids = (records: JobRecord[]) => records.map((record) => record.id);

    it('lists jobs newest first by id', async () => {
      const a = await given();
      const b = await given();
      const c = await given();

      expect(ids(await store.list({ limit: 10 }))).toEqual([c, b, a]);
    });

    it('returns only jobs with the requested status', async () => {
      const queuedOld = await given();
      const running = await given();
      const queuedNew = await given();
      await store.applyEvents([started(running)]);

      expect(ids(await store.list({ status: 'queued', limit: 10 }))).toEqual([queuedNew, queuedOld]);
      expect(ids(await store.list({ status: 'running', limit: 10 }))).toEqual([running]);
    });

    it('returns only jobs of the requested type', async () => {
      const videoOld = await given({ type: 'video.process', queue: 'video' });
      await given({ type: 'email.welcome' });
      const videoNew = await given({ type: 'video.process', queue: 'video' });

      expect(ids(await store.list({ type: 'video.process', limit: 10 }))).toEqual([videoNew, videoOld]);
    });

    it('returns at most limit jobs, the newest', async () => {
      await given();
      const b = await given();
      const c = await given();

      expect(ids(await store.list({ limit: 2 }))).toEqual([c, b]);
    });

    it('pages with beforeId through every older job once, then returns an empty page', async () => {
      const created: string[] = [];
      for (let i = 0; i < 5; i += 1) created.push(await given());
      const newestFirst = [...created].reverse();

      const first = ids(await store.list({ limit: 2 }));
      const second = ids(await store.list({ limit: 2, beforeId: first[first.length - 1] }));
      const third = ids(await store.list({ limit: 2, beforeId: second[second.length - 1] }));
      const fourth = ids(await store.list({ limit: 2, beforeId: third[third.length - 1] }));

      expect([first, second, third, fourth]).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4), []]);
    });

    it('combines status, type and beforeId', async () => {
      const match1 = await given({ type: 'video.process', queue: 'video' });
      await given({ type: 'email.welcome' });
      const match2 = await given({ type: 'video.process', queue: 'video' });
      const running = await given({ type: 'video.process', queue: 'video' });
      const match3 = await given({ type: 'video.process', queue: 'video' });
      await store.applyEvents([started(running)]);

      expect(ids(await store.list({ status: 'queued', type: 'video.process', limit: 10, beforeId: match3 }))).toEqual([match2, match1]);
    });
  });

  describe('applyEvents', () => {
    it('marks a started job running with the attempt, start time and worker', async () => {
      const id = await given();

      const outcome = await store.applyEvents([started(id, { attempt: 1, at: T0 + 100, worker: 'worker-7' })]);

      expect(outcome).toEqual({ applied: 1, ignored: 0 });
      expect(await mustGet(id)).toMatchObject({ status: 'running', attempts: 1, startedAt: T0 + 100, worker: 'worker-7', updatedAt: T0 + 100, finishedAt: null });
    });

    it('records a numeric progress', async () => {
      const id = await given();
      await store.applyEvents([started(id)]);

      await store.applyEvents([progress(id, 42)]);

      expect(await mustGet(id)).toMatchObject({ status: 'running', progress: 42 });
    });

    it('records an object progress, replacing the previous one', async () => {
      const id = await given();
      await store.applyEvents([started(id), progress(id, 10)]);

      await store.applyEvents([progress(id, { frames: 120, of: 400 })]);

      expect((await mustGet(id)).progress).toEqual({ frames: 120, of: 400 });
    });

    it('marks a job succeeded with its result, finish time and attempts, keeping the start time it had', async () => {
      const id = await given();
      await store.applyEvents([started(id, { at: T0 + 100 })]);

      await store.applyEvents([succeeded(id, { delivered_to: 'ada@example.com', message_id: 'm-1' }, { at: T0 + 200, startedAt: T0 + 150 })]);

      expect(await mustGet(id)).toMatchObject({
        status: 'succeeded',
        result: { delivered_to: 'ada@example.com', message_id: 'm-1' },
        error: null,
        attempts: 1,
        startedAt: T0 + 100,
        finishedAt: T0 + 200,
      });
    });

    it('takes the start time from the success when the started event never arrived', async () => {
      const id = await given();

      await store.applyEvents([succeeded(id, 'done', { at: T0 + 200, startedAt: T0 + 150 })]);

      expect(await mustGet(id)).toMatchObject({ status: 'succeeded', result: 'done', attempts: 1, startedAt: T0 + 150, finishedAt: T0 + 200 });
    });

    it('marks a job failed with its error and finish time', async () => {
      const id = await given();
      await store.applyEvents([started(id)]);

      await store.applyEvents([failed(id, { at: T0 + 300 })]);

      expect(await mustGet(id)).toMatchObject({ status: 'failed', error: BOUNCED, result: null, attempts: 1, finishedAt: T0 + 300 });
    });

    it('ignores a duplicate success and keeps the first outcome', async () => {
      const id = await given();
      await store.applyEvents([started(id), succeeded(id, { n: 1 }, { at: T0 + 200 })]);
      const before = await mustGet(id);

      const outcome = await store.applyEvents([succeeded(id, { n: 2 }, { at: T0 + 999 })]);

      expect(outcome).toEqual({ applied: 0, ignored: 1 });
      expect(await mustGet(id)).toEqual(before);
    });

    it('ignores late started, progress and failed events for a succeeded job', async () => {
      const id = await given();
      await store.applyEvents([started(id), succeeded(id, { n: 1 }, { at: T0 + 200 })]);
      const before = await mustGet(id);

      const outcome = await store.applyEvents([
        started(id, { attempt: 2, at: T0 + 500, worker: 'worker-2' }),
        progress(id, 99, T0 + 600),
        failed(id, { attempt: 2, at: T0 + 700 }),
      ]);

      expect(outcome).toEqual({ applied: 0, ignored: 3 });
      expect(await mustGet(id)).toEqual(before);
      expect(before).toMatchObject({ status: 'succeeded', result: { n: 1 }, finishedAt: T0 + 200 });
    });

    it('ignores a late success for a failed job', async () => {
      const id = await given();
      await store.applyEvents([started(id), failed(id)]);
      const before = await mustGet(id);

      const outcome = await store.applyEvents([succeeded(id, 'too late', { at: T0 + 900 })]);

      expect(outcome).toEqual({ applied: 0, ignored: 1 });
      expect(await mustGet(id)).toEqual(before);
    });

    it('ignores events for jobs it does not know, without creating them', async () => {
      const unknown = uuidv7();

      const outcome = await store.applyEvents([started(unknown), succeeded(unknown, 'x')]);

      expect(outcome).toEqual({ applied: 0, ignored: 2 });
      expect(await store.get(unknown)).toBeUndefined();
    });

    it('never lowers attempts when an older attempt reports late', async () => {
      const id = await given();
      await store.applyEvents([started(id, { attempt: 2, at: T0 + 500 })]);

      const late = await store.applyEvents([started(id, { attempt: 1, at: T0 + 100, worker: 'old-worker' })]);

      expect(late).toEqual({ applied: 0, ignored: 1 });
      expect(await mustGet(id)).toMatchObject({ status: 'running', attempts: 2, startedAt: T0 + 500, worker: WORKER });
    });

    it('keeps the higher attempt count when the older attempt succeeds late', async () => {
      const id = await given();
      await store.applyEvents([started(id, { attempt: 2, at: T0 + 500 })]);

      await store.applyEvents([succeeded(id, 'ok', { attempt: 1, at: T0 + 600 })]);

      expect(await mustGet(id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    });

    it('applies a batch mixing several jobs in order, in one call', async () => {
      const email = await given();
      const video = await given({ type: 'video.process', queue: 'video' });
      const untouched = await given();

      const outcome = await store.applyEvents([
        started(email),
        started(video),
        progress(video, 50),
        failed(email, { at: T0 + 300 }),
        progress(video, 100, T0 + 350),
        succeeded(video, { frames: 400 }, { at: T0 + 400 }),
      ]);

      expect(outcome).toEqual({ applied: 6, ignored: 0 });
      expect(await mustGet(email)).toMatchObject({ status: 'failed', error: BOUNCED, finishedAt: T0 + 300 });
      expect(await mustGet(video)).toMatchObject({ status: 'succeeded', progress: 100, result: { frames: 400 } });
      expect(await mustGet(untouched)).toMatchObject({ status: 'queued', attempts: 0 });
    });

    it('ends succeeded when started and succeeded arrive in one batch', async () => {
      const id = await given();

      const outcome = await store.applyEvents([started(id), succeeded(id, 'ok')]);

      expect(outcome).toEqual({ applied: 2, ignored: 0 });
      expect(await mustGet(id)).toMatchObject({ status: 'succeeded', result: 'ok', attempts: 1 });
    });

    it('applies nothing for an empty batch', async () => {
      expect(await store.applyEvents([])).toEqual({ applied: 0, ignored: 0 });
    });
  });
});
