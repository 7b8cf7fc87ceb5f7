import { TestStores, openTestStores } from '@cask/testing';
import { DEFAULT_RETRY_POLICY, JobCatalogue, JobSucceededEvent, defineJob } from '@cask/contracts';
import { IsString } from 'class-validator';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { RetentionOptions } from './retention.options';
import { NewJob, OutboxMessage } from '../store/job-record';
import { KyselyDeadLetterStore } from '../store/kysely-dead-letter-store';
import { RetentionSweeper } from './retention-sweeper';

class NotePayload {
  @IsString()
  text: string;
}

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

/** Kept for an hour after finishing. */
const ShortLived = defineJob('notes.short', { payload: NotePayload, retentionMs: HOUR });
/** Kept for the default 7 days. */
const LongLived = defineJob('notes.long', { payload: NotePayload });

function newJob(type: string, createdAt: number): { job: NewJob; message: OutboxMessage } {
  const id = uuidv7();
  return {
    job: {
      id,
      type,
      queue: 'default',
      status: 'queued',
      payload: { text: 'hello' },
      maxAttempts: 3,
      priority: 0,
      createdAt,
      backoff: DEFAULT_RETRY_POLICY.backoff,
      timeoutMs: 30_000,
    },
    message: { id: uuidv7(), jobId: id, routingKey: 'default', body: '{}', priority: 0, createdAt },
  };
}

function succeeded(jobId: string, type: string, at: number): JobSucceededEvent {
  return { kind: 'succeeded', job_id: jobId, type, series: 1, attempt: 1, at, worker: 'worker-1', started_at: at - 10, result: 'ok' };
}

describe('RetentionSweeper', () => {
  let dir: string;
  let store: TestStores;
  let now: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cask-retention-'));
    store = openTestStores({ type: 'sqlite', path: join(dir, 'jobs.db') });
    await store.migrate();
    now = Date.now();
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function sweeper(options: Partial<RetentionOptions> = {}): RetentionSweeper {
    const defaults = { sweepMs: 60_000, tombstoneTtlMs: 30 * DAY, deadLetterRetentionMs: 30 * DAY, shutdownGraceMs: 10_000 };
    return new RetentionSweeper(store, new JobCatalogue([ShortLived, LongLived]), { ...defaults, ...options }, letters());
  }

  function letters(): KyselyDeadLetterStore {
    return new KyselyDeadLetterStore(store.cask);
  }

  /** Jobs of `type` that succeeded `age` ms before now. */
  async function givenFinished(type: string, age: number, count = 1): Promise<string[]> {
    const items = Array.from({ length: count }, () => newJob(type, now - age - 1000));
    await store.createJobs(items);
    await store.applyEvents(items.map(({ job }) => succeeded(job.id, type, now - age)));
    return items.map(({ job }) => job.id);
  }

  async function givenUnfinished(type: string, age: number): Promise<string> {
    const item = newJob(type, now - age);
    await store.createJobs([item]);
    return item.job.id;
  }

  /** Which of the ids are gone with a tombstone left for them. */
  async function purged(ids: string[]): Promise<boolean[]> {
    return Promise.all(ids.map(async (id) => (await store.get(id)) === undefined && (await store.isPurged(id, 'default'))));
  }

  it('purges each type by its own retention when JOB_RETENTION_MS is unset', async () => {
    const [shortOld] = await givenFinished(ShortLived.name, 2 * HOUR);
    const [shortYoung] = await givenFinished(ShortLived.name, 30 * 60 * 1000);
    const [longTwoHours] = await givenFinished(LongLived.name, 2 * HOUR);
    const [longSixDays] = await givenFinished(LongLived.name, 6 * DAY);
    const [longEightDays] = await givenFinished(LongLived.name, 8 * DAY);

    const count = await sweeper().sweep(now);

    expect(count).toBe(2);
    expect(await purged([shortOld, longEightDays])).toEqual([true, true]);
    expect(await purged([shortYoung, longTwoHours, longSixDays])).toEqual([false, false, false]);
    expect((await store.get(shortYoung))?.status).toBe('succeeded');
  });

  it('purges every type by JOB_RETENTION_MS when it is set, overriding the definitions', async () => {
    const [shortOld] = await givenFinished(ShortLived.name, 2 * 60 * 1000);
    const [longOld] = await givenFinished(LongLived.name, 2 * 60 * 1000);
    const [shortYoung] = await givenFinished(ShortLived.name, 30 * 1000);
    const [longYoung] = await givenFinished(LongLived.name, 30 * 1000);

    const count = await sweeper({ jobRetentionMs: 60_000 }).sweep(now);

    expect(count).toBe(2);
    expect(await purged([shortOld, longOld])).toEqual([true, true]);
    expect(await purged([shortYoung, longYoung])).toEqual([false, false]);
  });

  it('keeps unfinished jobs however old they are', async () => {
    const queued = await givenUnfinished(ShortLived.name, 30 * DAY);

    const count = await sweeper({ jobRetentionMs: 0 }).sweep(now);

    expect(count).toBe(0);
    expect(await store.get(queued)).toMatchObject({ status: 'queued' });
    expect(await store.isPurged(queued, 'default')).toBe(false);
  });

  it('purges more jobs of a type than one statement takes, in one sweep', async () => {
    const ids = await givenFinished(LongLived.name, 8 * DAY, 1005);

    const count = await sweeper().sweep(now);

    expect(count).toBe(1005);
    expect(await store.list({ tenant: 'default', limit: 10 })).toEqual([]);
    expect(await purged([ids[0], ids[1004]])).toEqual([true, true]);
  });

  it('returns 0 when nothing is past its retention', async () => {
    await givenFinished(ShortLived.name, 10 * 60 * 1000);

    expect(await sweeper().sweep(now)).toBe(0);
    expect(await store.list({ tenant: 'default', limit: 10 })).toHaveLength(1);
  });

  it('keeps tombstones younger than TOMBSTONE_TTL_MS and forgets older ones', async () => {
    const [id] = await givenFinished(ShortLived.name, 2 * HOUR);
    const sweep = sweeper({ tombstoneTtlMs: 60_000 });
    await sweep.sweep(Date.now());

    await sweep.sweep(Date.now() + 30_000);
    const keptAfterHalfTheTtl = await store.isPurged(id, 'default');
    await sweep.sweep(Date.now() + 61_000);

    expect(keptAfterHalfTheTtl).toBe(true);
    expect(await store.isPurged(id, 'default')).toBe(false);
    expect(await store.get(id)).toBeUndefined();
  });

  it('keeps tombstones for 30 days unless TOMBSTONE_TTL_MS says otherwise', async () => {
    const [id] = await givenFinished(ShortLived.name, 2 * HOUR);
    const sweep = sweeper();
    await sweep.sweep(Date.now());

    await sweep.sweep(Date.now() + 29 * DAY);
    const keptAfter29Days = await store.isPurged(id, 'default');
    await sweep.sweep(Date.now() + 31 * DAY);

    expect(keptAfter29Days).toBe(true);
    expect(await store.isPurged(id, 'default')).toBe(false);
  });

  it('purges dead letters older than their retention and keeps younger ones', async () => {
    const letter = (age: number) => ({
      id: uuidv7(),
      messageId: null,
      reason: 'malformed',
      detail: 'not valid JSON',
      sourceQueue: 'cask.jobs.default',
      jobId: null,
      type: null,
      body: 'x',
      bodyEncoding: 'utf8' as const,
      bodyBytes: 1,
      headers: {},
      deadLetteredAt: now - age,
      storedAt: now - age,
    });
    const old = Array.from({ length: 1001 }, () => letter(31 * DAY));
    const young = letter(29 * DAY);
    await letters().add([...old, young]);

    await sweeper().sweep(now);

    expect((await letters().list({ limit: 10 })).map((l) => l.id)).toEqual([young.id]);
    await sweeper({ deadLetterRetentionMs: DAY }).sweep(now);
    expect(await letters().list({ limit: 10 })).toEqual([]);
  });
});
