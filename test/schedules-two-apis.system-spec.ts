import { AppProcess, CaskSystem, createTestDatabase, startApi, waitFor } from '@cask/testing';

/** A job as `GET /jobs` lists it, with the schedule that dispatched it. */
interface ListedJob {
  job_id: string;
  schedule: string | null;
  created_at: string;
}

const SCHEDULES = ['demo.race-a', 'demo.race-b', 'demo.race-c', 'demo.race-d', 'demo.race-e'];
const TICKS = 6;

/** Two api instances on one PostgreSQL database both run every schedule: each tick still makes one job. */
describe('cron schedules across two api instances', () => {
  let database: { url: string; drop: () => Promise<void> };
  let cask: CaskSystem;
  let second: { process: AppProcess; baseUrl: string };

  async function call(
    baseUrl: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Every scheduled job, by schedule name, oldest first. */
  async function scheduledJobs(): Promise<Map<string, ListedJob[]>> {
    const jobs: ListedJob[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(cask.baseUrl, 'GET', `/jobs?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      jobs.push(...(page.body.items as ListedJob[]));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    const byName = new Map<string, ListedJob[]>(SCHEDULES.map((name) => [name, []]));
    for (const job of jobs.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at))) byName.get(job.schedule ?? '')?.push(job);
    return byName;
  }

  /** Lines of an api's debug log saying it claimed a tick and dispatched its job. */
  const claimedBy = (api: AppProcess) => api.output.filter((line) => /Schedule demo\.race-\w: tick .* dispatched job/.test(line)).length;

  beforeAll(async () => {
    database = await createTestDatabase();
    cask = new CaskSystem('schedules-2api', { DATABASE_URL: database.url, LOG_LEVEL: 'debug' });
    await cask.startApi();
    second = await startApi(cask.commonEnv);
    await cask.startWorker();
  });

  afterAll(async () => {
    await second?.process.stop('SIGKILL');
    await cask.stop();
    await database.drop();
  });

  it(`dispatches each tick of ${SCHEDULES.length} every-second schedules exactly once`, async () => {
    for (const [i, name] of SCHEDULES.entries()) {
      const response = await call(i % 2 ? second.baseUrl : cask.baseUrl, 'POST', '/schedules', {
        name,
        cron: '* * * * * *',
        type: 'demo.flaky',
        payload: { fail_times: 0 },
      });
      expect(response.status).toBe(201);
    }
    // Each instance sees the schedules the other made: they share the store.
    expect(((await call(second.baseUrl, 'GET', '/schedules')).body.items as unknown[]).length).toBe(SCHEDULES.length);

    await waitFor(async () => [...(await scheduledJobs()).values()].every((jobs) => jobs.length >= TICKS), {
      timeoutMs: TICKS * 1000 + 15_000,
      what: `${TICKS} jobs from each schedule`,
    });
    for (const [i, name] of SCHEDULES.entries()) {
      expect((await call(i % 2 ? cask.baseUrl : second.baseUrl, 'POST', `/schedules/${name}/pause`)).status).toBe(200);
    }

    const byName = await scheduledJobs();
    let total = 0;
    for (const [name, jobs] of byName) {
      const seconds = jobs.map((job) => Math.floor(Date.parse(job.created_at) / 1000));
      // No second twice (no duplicate) and none skipped between the first and the last (no tick lost).
      expect({ name, distinct: new Set(seconds).size }).toEqual({ name, distinct: jobs.length });
      expect({ name, span: seconds[seconds.length - 1] - seconds[0] + 1 }).toEqual({ name, span: jobs.length });
      total += jobs.length;
    }
    // Both instances were firing, and every job was claimed by exactly one of them.
    const [a, b] = [claimedBy(cask.api as AppProcess), claimedBy(second.process)];
    process.stdout.write(`Ticks claimed: ${a} by one api, ${b} by the other, ${total} jobs\n`);
    expect(a + b).toBe(total);
    expect(Math.min(a, b)).toBeGreaterThan(0);
    const jobs = await cask.waitForTerminal([...byName.values()].flat().map((job) => job.job_id));
    expect(jobs.filter((job) => job.status === 'succeeded')).toHaveLength(total);
  });
});
