import { TestStores, openTestStores } from '@cask/testing';
import { JobCatalogue, defineJob, defineSchedule } from '@cask/contracts';
import { DemoFlaky, JOB_DEFINITIONS, VideoProcess, WelcomeEmail } from '@cask/examples';
import { IsInt } from 'class-validator';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeScheduleRegistrar } from './code-schedule-registrar';
import { KyselyScheduleStore } from './kysely-schedule-store';
import { ScheduleStore } from './schedule-store';

/** 2023-11-14T22:13:20Z. */
const T0 = 1_700_000_000_000;

const hourlyFlaky = defineSchedule({
  name: 'demo.hourly',
  cron: '0 * * * *',
  job: DemoFlaky,
  payload: { fail_times: 0 },
  options: { priority: 3, timeoutMs: 2000 },
});
const dailyVideo = defineSchedule({
  name: 'video.daily',
  cron: '30 6 * * *',
  timezone: 'Asia/Tokyo',
  job: VideoProcess,
  payload: { url: 'https://cdn.example.com/daily.mp4', duration_ms: 10 },
});

describe('CodeScheduleRegistrar', () => {
  let dir: string;
  let jobStore: TestStores;
  let store: ScheduleStore;
  let registrar: CodeScheduleRegistrar;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cask-code-schedules-'));
    jobStore = openTestStores({ type: 'sqlite', path: join(dir, 'cask.db') });
    await jobStore.migrate();
    store = new KyselyScheduleStore(jobStore.database);
    registrar = new CodeScheduleRegistrar(store, new JobCatalogue(JOB_DEFINITIONS));
  });

  afterEach(async () => {
    await jobStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores each declared schedule as a code schedule, with its first tick after now in its time zone', async () => {
    await registrar.register([hourlyFlaky, dailyVideo], T0);

    expect(await store.list('default')).toEqual([
      expect.objectContaining({
        name: 'demo.hourly',
        type: 'demo.flaky',
        payload: { fail_times: 0 },
        options: { priority: 3, timeout_ms: 2000 },
        source: 'code',
        paused: false,
        nextRunAt: Date.parse('2023-11-14T23:00:00Z'),
      }),
      expect.objectContaining({
        name: 'video.daily',
        timezone: 'Asia/Tokyo',
        source: 'code',
        nextRunAt: Date.parse('2023-11-15T21:30:00Z'),
      }),
    ]);
  });

  it('keeps the pending tick, and a pause, when the api starts again with the same declarations', async () => {
    await registrar.register([hourlyFlaky, dailyVideo], T0);
    await store.pause('video.daily', T0 + 1);

    await registrar.register([hourlyFlaky, dailyVideo], T0 + 2 * 3600_000);

    expect(await store.get('demo.hourly')).toMatchObject({ nextRunAt: Date.parse('2023-11-14T23:00:00Z') });
    expect(await store.get('video.daily')).toMatchObject({ paused: true, nextRunAt: null });
  });

  it('deletes code schedules no longer declared, and leaves schedules made over HTTP alone', async () => {
    await registrar.register([hourlyFlaky, dailyVideo], T0);
    await store.upsert(
      { name: 'email.from-http', cron: '0 9 * * *', timezone: 'UTC', type: 'email.welcome', payload: {}, options: {}, source: 'api' },
      T0 + 1,
      T0,
    );

    await registrar.register([dailyVideo], T0);

    expect((await store.list('default')).map((s) => s.name)).toEqual(['email.from-http', 'video.daily']);
  });

  it('takes over a schedule of the same name made over HTTP', async () => {
    await store.upsert(
      { name: 'demo.hourly', cron: '*/5 * * * *', timezone: 'UTC', type: 'email.welcome', payload: {}, options: {}, source: 'api' },
      T0 + 1,
      T0,
    );

    await registrar.register([hourlyFlaky], T0);

    expect(await store.get('demo.hourly')).toMatchObject({ cron: '0 * * * *', type: 'demo.flaky', source: 'code' });
  });

  it('refuses to start with a schedule of a job missing from the catalogue, or two schedules of one name', async () => {
    class Payload {
      @IsInt()
      n: number;
    }
    const stray = defineJob('stray.job', { payload: Payload });
    const strayly = defineSchedule({ name: 'stray.hourly', cron: '0 * * * *', job: stray, payload: { n: 1 } });

    await expect(registrar.register([strayly], T0)).rejects.toThrow("not among the app's job definitions");
    await expect(registrar.register([hourlyFlaky, { ...hourlyFlaky, job: WelcomeEmail }], T0)).rejects.toThrow('declared twice');
    expect(await store.list('default')).toEqual([]);
  });
});
