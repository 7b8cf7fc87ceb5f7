import { CaskSystem, waitFor } from '@cask/testing';

/** A schedule as the api shows it. */
interface ScheduleBody {
  name: string;
  cron: string;
  timezone: string;
  type: string;
  payload: Record<string, unknown>;
  options: Record<string, unknown>;
  paused: boolean;
  source: string;
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
  updated_at: string;
  next_runs?: string[];
}

/** A job as `GET /jobs` lists it, with the schedule that dispatched it. */
interface ListedJob {
  job_id: string;
  type: string;
  status: string;
  schedule: string | null;
  created_at: string;
}

const EVERY_SECOND = '*/1 * * * * *';
const second = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** Cron schedules on one api (SQLite) and a worker: firing, pause and resume, next runs, delete, bad input, downtime. */
describe('cron schedules', () => {
  const cask = new CaskSystem('schedules');

  async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T; location: string | null }> {
    const response = await fetch(`${cask.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, location: response.headers.get('location') };
  }

  async function upsert(schedule: Record<string, unknown>): Promise<ScheduleBody> {
    const response = await call<ScheduleBody>('POST', '/schedules', schedule);
    if (response.status !== 201 && response.status !== 200)
      throw new Error(`POST /schedules answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** Every job the schedule dispatched, oldest first. */
  async function jobsOf(name: string): Promise<ListedJob[]> {
    const jobs: ListedJob[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: ListedJob[]; next_cursor: string | null } } = await call(
        'GET',
        `/jobs?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      jobs.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    return jobs.filter((job) => job.schedule === name).sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  }

  async function waitForJobs(name: string, count: number): Promise<ListedJob[]> {
    return waitFor(
      async () => {
        const jobs = await jobsOf(name);
        return jobs.length >= count && jobs;
      },
      { timeoutMs: count * 1000 + 10_000, what: `${count} jobs from schedule ${name}` },
    );
  }

  /**
   * Waits until a schedule made now has fired twice: by then any schedule that should have fired in the
   * meantime would have too. Deletes it after.
   */
  async function twoTicksPass(): Promise<void> {
    const witness = `witness.s${Date.now()}`;
    await upsert({ name: witness, cron: EVERY_SECOND, type: 'demo.flaky', payload: { fail_times: 0 } });
    await waitForJobs(witness, 2);
    expect((await call('DELETE', `/schedules/${witness}`)).status).toBe(204);
  }

  /** Waits for the schedule's next job, so that what follows happens well clear of a tick. */
  async function justAfterATick(name: string): Promise<void> {
    const before = (await jobsOf(name)).length;
    await waitForJobs(name, before + 1);
  }

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
  });

  afterAll(() => cask.stop());

  it('fires an every-second schedule once a second, each job named after it, until paused', async () => {
    const created = Date.now();
    const response = await call<ScheduleBody>('POST', '/schedules', {
      name: 'demo.every-second',
      cron: EVERY_SECOND,
      type: 'demo.flaky',
      payload: { fail_times: 0 },
      priority: 4,
    });
    expect(response.status).toBe(201);
    expect(response.location).toBe('/schedules/demo.every-second');
    expect(response.body).toMatchObject({
      name: 'demo.every-second',
      timezone: 'UTC',
      source: 'api',
      paused: false,
      options: { priority: 4 },
    });

    await waitForJobs('demo.every-second', 3);
    await justAfterATick('demo.every-second');
    const paused = await call<ScheduleBody>('POST', '/schedules/demo.every-second/pause');
    const pausedAt = Date.now();
    expect(paused).toMatchObject({ status: 200, body: { paused: true, next_run_at: null, next_runs: [] } });
    const fired = await jobsOf('demo.every-second');
    await twoTicksPass();

    expect(await jobsOf('demo.every-second')).toHaveLength(fired.length);
    // One job per whole second the schedule ran through, give or take the ones at either end.
    const seconds = Math.floor(pausedAt / 1000) - Math.floor(created / 1000);
    expect(Math.abs(fired.length - seconds)).toBeLessThanOrEqual(1);
    expect(new Set(fired.map((job) => second(job.created_at))).size).toBe(fired.length);
    const jobs = await cask.waitForTerminal(fired.map((job) => job.job_id));
    for (const job of jobs)
      expect(job).toMatchObject({ type: 'demo.flaky', status: 'succeeded', schedule: 'demo.every-second', priority: 4 });
  });

  it('resumes from the next tick after now, without making up the ticks it missed while paused', async () => {
    await upsert({ name: 'demo.resumed', cron: EVERY_SECOND, type: 'demo.flaky', payload: { fail_times: 0 } });
    await waitForJobs('demo.resumed', 1);
    await justAfterATick('demo.resumed');
    expect((await call('POST', '/schedules/demo.resumed/pause')).status).toBe(200);
    const before = (await jobsOf('demo.resumed')).length;
    await twoTicksPass();

    const resumedAt = Date.now();
    const resumed = await call<ScheduleBody>('POST', '/schedules/demo.resumed/resume');
    expect(resumed).toMatchObject({ status: 200, body: { paused: false } });
    const nextRun = Date.parse(resumed.body.next_run_at as string);
    expect(nextRun).toBeGreaterThan(resumedAt);
    expect(nextRun - resumedAt).toBeLessThanOrEqual(1000);

    const jobs = await waitForJobs('demo.resumed', before + 1);
    expect(Date.parse(jobs[before].created_at)).toBeGreaterThanOrEqual(nextRun);
    expect((await call('DELETE', '/schedules/demo.resumed')).status).toBe(204);
  });

  it('runs a schedule now, paused or not, as a tick would, leaving its next run where it was; 404 for another name', async () => {
    await upsert({
      name: 'email.digest',
      cron: '0 6 * * *',
      type: 'email.welcome',
      payload: { email: 'd@example.com', name: 'D' },
      priority: 3,
    });
    const before = (await call<ScheduleBody>('GET', '/schedules/email.digest')).body.next_run_at;
    expect((await call('POST', '/schedules/email.digest/pause')).status).toBe(200);

    const run = await call<{ status: string; job_id: string }>('POST', '/schedules/email.digest/run');

    expect(run).toMatchObject({ status: 202, body: { status: 'queued', job_id: expect.any(String) } });
    expect(run.location).toBe(`/jobs/${run.body.job_id}`);
    const [job] = await cask.waitForTerminal([run.body.job_id]);
    expect(job).toMatchObject({ type: 'email.welcome', status: 'succeeded', schedule: 'email.digest', priority: 3 });
    const resumed = await call<ScheduleBody>('POST', '/schedules/email.digest/resume');
    expect(resumed.body.next_run_at).toBe(before);
    expect((await call('POST', '/schedules/email.none/run')).status).toBe(404);
    expect((await call('DELETE', '/schedules/email.digest')).status).toBe(204);
  });

  it('shows the next five runs in the schedule time zone, and updates a schedule posted again under its name', async () => {
    const first = await call<ScheduleBody>('POST', '/schedules', {
      name: 'email.standup',
      cron: '30 9 * * 1-5',
      timezone: 'America/New_York',
      type: 'email.welcome',
      payload: { email: 'team@example.com', name: 'Team' },
    });
    expect(first.status).toBe(201);

    const shown = await call<ScheduleBody>('GET', '/schedules/email.standup');
    expect(shown.status).toBe(200);
    const runs = shown.body.next_runs as string[];
    expect(runs).toHaveLength(5);
    expect(shown.body.next_run_at).toBe(runs[0]);
    expect(Date.parse(runs[0])).toBeGreaterThan(Date.now());
    const newYork = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    for (const [i, run] of runs.entries()) {
      expect(newYork.format(new Date(run))).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:30$/);
      if (i > 0) expect(Date.parse(run)).toBeGreaterThan(Date.parse(runs[i - 1]));
    }

    const second = await call<ScheduleBody>('POST', '/schedules', {
      name: 'email.standup',
      cron: '30 9 * * 1-5',
      timezone: 'America/New_York',
      type: 'email.welcome',
      payload: { email: 'leads@example.com', name: 'Leads' },
      max_attempts: 1,
    });
    expect(second.status).toBe(200);
    expect(second.location).toBeNull();
    expect(second.body).toMatchObject({
      payload: { email: 'leads@example.com' },
      options: { max_attempts: 1 },
      created_at: first.body.created_at,
      next_run_at: runs[0],
    });

    const list = await call<{ items: ScheduleBody[] }>('GET', '/schedules');
    expect(list.body.items.filter((s) => s.name === 'email.standup')).toEqual([
      expect.objectContaining({ cron: '30 9 * * 1-5', timezone: 'America/New_York', type: 'email.welcome', paused: false, source: 'api' }),
    ]);
    expect((await call('DELETE', '/schedules/email.standup')).status).toBe(204);
  });

  it('stops firing a deleted schedule, which then answers 404', async () => {
    await upsert({ name: 'demo.deleted', cron: EVERY_SECOND, type: 'demo.flaky', payload: { fail_times: 0 } });
    await waitForJobs('demo.deleted', 1);
    await justAfterATick('demo.deleted');

    expect((await call('DELETE', '/schedules/demo.deleted')).status).toBe(204);
    const fired = (await jobsOf('demo.deleted')).length;
    await twoTicksPass();

    expect(await jobsOf('demo.deleted')).toHaveLength(fired);
    for (const [method, path] of [
      ['GET', '/schedules/demo.deleted'],
      ['DELETE', '/schedules/demo.deleted'],
      ['POST', '/schedules/demo.deleted/pause'],
      ['POST', '/schedules/demo.deleted/resume'],
    ]) {
      expect(await call(method, path)).toMatchObject({ status: 404, body: { error: 'Schedule not found' } });
    }
  });

  it('refuses a bad schedule with each bad field and why, and stores nothing', async () => {
    const good = { name: 'demo.refused', cron: EVERY_SECOND, type: 'demo.flaky', payload: { fail_times: 0 } };
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ cron: '61 * * * *' }, 'cron', /minute/i],
      [{ cron: '* * *' }, 'cron', /5 fields/],
      [{ cron: '@hourly' }, 'cron', /5 fields/],
      [{ timezone: 'Mars/Olympus_Mons' }, 'timezone', /IANA/],
      [{ type: 'no.such-job' }, 'type', /demo\.flaky.*email\.welcome/],
      [{ payload: { fail_times: 'twice' } }, 'payload.fail_times', /integer/],
      [{ name: 'Not A Name' }, 'name', /lower-case/],
      [{ priority: 12 }, 'priority', /9/],
      [{ backoff: { type: 'fixed', base_ms: 500, cap_ms: 100 } }, 'backoff.cap_ms', /base_ms/],
    ];
    for (const [change, field, reason] of cases) {
      const response = await call<{ error: string; details: Array<{ field: string; reason: string }> }>('POST', '/schedules', {
        ...good,
        ...change,
      });
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual(expect.arrayContaining([{ field, reason: expect.stringMatching(reason) }]));
    }
    expect(await call('GET', '/schedules/Not%20A%20Name')).toMatchObject({ status: 400, body: { details: [{ field: 'name' }] } });

    expect((await call<{ items: ScheduleBody[] }>('GET', '/schedules')).body.items.map((s) => s.name)).not.toContain('demo.refused');
    expect((await call('GET', '/schedules/demo.refused')).status).toBe(404);
  });

  it('fires the ticks it missed while the api was down once, not once each', async () => {
    // Three consecutive seconds starting at least two seconds ahead: all of them fall while the api is down.
    const firstMissed = (Math.floor(Date.now() / 1000) + 3) * 1000;
    const cronSeconds = [0, 1, 2].map((i) => new Date(firstMissed + i * 1000).getUTCSeconds()).join(',');
    await upsert({ name: 'demo.downtime', cron: `${cronSeconds} * * * * *`, type: 'demo.flaky', payload: { fail_times: 0 } });
    expect(await cask.api?.stop('SIGKILL')).toBeNull();
    expect(Date.now()).toBeLessThan(firstMissed);

    // The downtime itself: past the last of the three ticks.
    await new Promise((resolve) => setTimeout(resolve, firstMissed + 2500 - Date.now()));
    const restarted = Date.now();
    await cask.startApi();

    const [job] = await waitForJobs('demo.downtime', 1);
    expect(Date.parse(job.created_at)).toBeGreaterThanOrEqual(restarted);
    await twoTicksPass();
    expect(await jobsOf('demo.downtime')).toHaveLength(1);
    const schedule = await call<ScheduleBody>('GET', '/schedules/demo.downtime');
    // The one job stood for the first missed tick; the next is the same second of the next minute.
    expect(schedule.body).toMatchObject({
      last_run_at: new Date(firstMissed).toISOString(),
      next_run_at: new Date(firstMissed + 60_000).toISOString(),
    });
  });
});
