import { TestStores, openTestStores } from '@cask/testing';
import { JobCatalogue, JobDefinition, validatePayload } from '@cask/contracts';
import { DemoFlaky, JOB_DEFINITIONS, WelcomeEmail } from '@cask/examples';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AsyncDispatcher, DispatchOptions } from '../dispatcher/async-dispatcher';
import { IdempotencyConflictError } from '../dispatcher/dispatch-errors';
import { InvalidPayloadError } from '../dispatcher/invalid-payload.error';
import { KyselyScheduleStore } from './kysely-schedule-store';
import type { ScheduleInput } from './schedule-record';
import { dispatchOptionsOf } from './schedule-options';
import { ScheduleRunner } from './schedule-runner';
import { ScheduleStore } from './schedule-store';

/** A whole second, so every-second ticks fall on T0 + n × 1000. */
const T0 = 1_700_000_000_000;

interface DispatchedJob {
  id: string;
  type: string;
  payload: object;
  options: DispatchOptions;
}

/**
 * Stands in for the AMQP dispatcher with the parts of its contract the runner relies on: payload
 * validation, and idempotency keys (the same key and request return the first job; a different request
 * is a conflict). `failNext` makes the next dispatches fail as a full outbox would.
 */
class FakeDispatcher {
  readonly jobs: DispatchedJob[] = [];
  failNext = 0;
  private readonly byKey = new Map<string, { id: string; request: string }>();

  async dispatch(job: JobDefinition, payload: object, options: DispatchOptions = {}): Promise<string> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('outbox full');
    }
    const validation = validatePayload(job, payload);
    if (!validation.ok) throw new InvalidPayloadError(job.name, validation.errors);
    const request = JSON.stringify([job.name, payload, { ...options, idempotencyKey: undefined }]);
    const earlier = options.idempotencyKey === undefined ? undefined : this.byKey.get(options.idempotencyKey);
    if (earlier && earlier.request !== request) throw new IdempotencyConflictError(earlier.id);
    if (earlier) return earlier.id;
    const id = `job-${this.jobs.length + 1}`;
    this.jobs.push({ id, type: job.name, payload, options });
    if (options.idempotencyKey !== undefined) this.byKey.set(options.idempotencyKey, { id, request });
    return id;
  }
}

function everySecond(overrides: Partial<ScheduleInput> = {}): ScheduleInput {
  return {
    name: 'demo.every-second',
    cron: '* * * * * *',
    timezone: 'UTC',
    type: DemoFlaky.name,
    payload: { fail_times: 0 },
    options: { priority: 7, max_attempts: 2, backoff: { type: 'fixed', base_ms: 100, cap_ms: 100, jitter: 0 }, timeout_ms: 5000 },
    source: 'api',
    ...overrides,
  };
}

describe('ScheduleRunner', () => {
  let dir: string;
  let jobStore: TestStores;
  let store: ScheduleStore;
  let dispatcher: FakeDispatcher;

  const runner = (catalogue = new JobCatalogue(JOB_DEFINITIONS), schedules: ScheduleStore = store) =>
    new ScheduleRunner(schedules, dispatcher as unknown as AsyncDispatcher, catalogue);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cask-schedule-runner-'));
    jobStore = openTestStores({ type: 'sqlite', path: join(dir, 'cask.db') });
    await jobStore.migrate();
    store = new KyselyScheduleStore(jobStore.database);
    dispatcher = new FakeDispatcher();
    await store.upsert(everySecond(), T0 + 1000, T0);
  });

  afterEach(async () => {
    await jobStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dispatches one job for a due tick, named after the schedule, with its options and the tick key, then waits for the next tick', async () => {
    expect(await runner().runDue(T0 + 1003)).toEqual({ fired: 1, more: false, failed: false });

    expect(dispatcher.jobs).toEqual([
      {
        id: 'job-1',
        type: 'demo.flaky',
        payload: { fail_times: 0 },
        options: {
          priority: 7,
          maxAttempts: 2,
          backoff: { type: 'fixed', baseMs: 100, capMs: 100, jitter: 0 },
          timeoutMs: 5000,
          schedule: 'demo.every-second',
          tenant: 'default',
          idempotencyKey: `schedule:demo.every-second:${T0 + 1000}`,
        },
      },
    ]);
    expect(await store.get('demo.every-second')).toMatchObject({ nextRunAt: T0 + 2000, lastRunAt: T0 + 1000 });
  });

  it('dispatches nothing before the tick, and nothing twice for one tick', async () => {
    const scheduler = runner();

    await scheduler.runDue(T0 + 999);
    await scheduler.runDue(T0 + 1000);
    await scheduler.runDue(T0 + 1500);

    expect(dispatcher.jobs).toHaveLength(1);
  });

  it('fires the ticks missed during downtime once, then goes on from the next tick after now', async () => {
    await runner().runDue(T0 + 10_400);

    expect(dispatcher.jobs.map((job) => job.options.idempotencyKey)).toEqual([`schedule:demo.every-second:${T0 + 1000}`]);
    expect(await store.get('demo.every-second')).toMatchObject({ nextRunAt: T0 + 11_000, lastRunAt: T0 + 1000 });
  });

  it('fires nothing for a paused schedule', async () => {
    await store.pause('demo.every-second', T0);

    expect(await runner().runDue(T0 + 5000)).toEqual({ fired: 0, more: false, failed: false });
    expect(dispatcher.jobs).toEqual([]);
  });

  it('makes one job per tick when two instances fire the same ticks at the same time', async () => {
    const [a, b] = [runner(), runner()];

    for (let second = 1; second <= 5; second += 1) {
      const now = T0 + second * 1000 + 10;
      const outcomes = await Promise.all([a.runDue(now), b.runDue(now)]);
      expect(outcomes[0].fired + outcomes[1].fired).toBe(1);
    }

    expect(dispatcher.jobs.map((job) => job.options.idempotencyKey)).toEqual(
      [1, 2, 3, 4, 5].map((s) => `schedule:demo.every-second:${T0 + s * 1000}`),
    );
  });

  it('keeps a tick whose dispatch failed and dispatches it once on the next round', async () => {
    const scheduler = runner();
    dispatcher.failNext = 1;

    expect(await scheduler.runDue(T0 + 1000)).toEqual({ fired: 0, more: false, failed: true });
    expect(await store.get('demo.every-second')).toMatchObject({ nextRunAt: T0 + 1000, lastRunAt: null });
    expect(await scheduler.runDue(T0 + 1200)).toEqual({ fired: 1, more: false, failed: false });
    expect(dispatcher.jobs).toHaveLength(1);
  });

  it('makes no second job when the claim after a dispatch did not happen (the api died in between)', async () => {
    const dying = Object.create(store) as ScheduleStore;
    dying.claim = () => Promise.reject(new Error('process killed'));

    await expect(runner(undefined, dying).runDue(T0 + 1000)).rejects.toThrow('process killed');
    await runner().runDue(T0 + 1100);

    expect(dispatcher.jobs).toHaveLength(1);
    expect(await store.get('demo.every-second')).toMatchObject({ nextRunAt: T0 + 2000, lastRunAt: T0 + 1000 });
  });

  it('claims without a second job a tick another instance dispatched from the schedule as it was before an update', async () => {
    // The other instance dispatched the tick, then the payload changed (same cron, so same pending tick)
    // before it claimed.
    const key = `schedule:demo.every-second:${T0 + 1000}`;
    await dispatcher.dispatch(
      DemoFlaky,
      { fail_times: 0 },
      { ...dispatchOptionsOf(everySecond().options), schedule: 'demo.every-second', idempotencyKey: key },
    );
    await store.upsert(everySecond({ payload: { fail_times: 1 } }), T0 + 1000, T0 + 1001);

    expect(await runner().runDue(T0 + 1100)).toEqual({ fired: 0, more: false, failed: false });
    expect(dispatcher.jobs).toHaveLength(1);
    expect(await store.get('demo.every-second')).toMatchObject({ nextRunAt: T0 + 2000, lastRunAt: T0 + 1000 });
  });

  it('skips the ticks of a schedule whose job type is gone, or whose payload is no longer valid, without stalling', async () => {
    await store.upsert(everySecond({ name: 'demo.bad-payload', payload: { fail_times: 'twice' } }), T0 + 1000, T0);
    const withoutFlaky = new JobCatalogue([WelcomeEmail]);

    expect(await runner(withoutFlaky).runDue(T0 + 1000)).toEqual({ fired: 0, more: false, failed: false });
    expect(await runner().runDue(T0 + 2000)).toEqual({ fired: 1, more: false, failed: false });

    expect(dispatcher.jobs.map((job) => job.options.idempotencyKey)).toEqual([`schedule:demo.every-second:${T0 + 2000}`]);
    expect(await store.get('demo.bad-payload')).toMatchObject({ nextRunAt: T0 + 3000, lastRunAt: T0 + 2000 });
  });
});
