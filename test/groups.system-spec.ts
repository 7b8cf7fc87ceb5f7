import { AppProcess, CaskSystem, createTestDatabase, mostAtOnce, startApi, startWorker, waitFor } from '@cask/testing';

/** A job as `GET /jobs` lists it. */
interface Listed {
  job_id: string;
  status: string;
  group: string | null;
  worker: string | null;
  started_at: string | null;
  finished_at: string | null;
}

/** `GET /groups`, as far as these tests read it. */
interface GroupPage {
  items: Array<{ key: string; waiting: number; active: number }>;
}

/**
 * Groups over two api instances on one PostgreSQL database and two workers: `webhook.deliver` is grouped by
 * endpoint, at most two running at once per endpoint.
 */
describe('groups across two apis and two workers', () => {
  let database: { url: string; drop: () => Promise<void> };
  let cask: CaskSystem;
  let second: { process: AppProcess; baseUrl: string };
  let worker: AppProcess | undefined;

  async function call<T = Record<string, unknown>>(
    baseUrl: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Every job of a group, read page by page. */
  async function jobsOf(group: string): Promise<Listed[]> {
    const jobs: Listed[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Listed[]; next_cursor: string | null } } = await call<{ items: Listed[]; next_cursor: string | null }>(
        cask.baseUrl,
        'GET',
        `/jobs?group=${encodeURIComponent(group)}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      jobs.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    return jobs;
  }

  /** Dispatches in batches of up to 1,000 through the given api; returns their ids. */
  async function dispatchAll(baseUrl: string, count: number, job: (n: number) => object): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1000) {
      const jobs = Array.from({ length: Math.min(1000, count - i) }, (_, j) => job(i + j));
      const answer = await call(baseUrl, 'POST', '/jobs/batch', { jobs });
      expect(answer.status).toBe(202);
      ids.push(...(answer.body.job_ids as string[]));
    }
    return ids;
  }

  /** Deliveries to one endpoint: a group of its own, capped at 2 running. */
  function deliver(baseUrl: string, endpoint: string, count: number, durationMs: number): Promise<string[]> {
    return dispatchAll(baseUrl, count, (n) => ({ type: 'webhook.deliver', payload: { endpoint, event: { n }, duration_ms: durationMs } }));
  }

  /** Welcome emails in a group the dispatch names: no cap, only the queue's turns. */
  function emails(baseUrl: string, group: string, count: number): Promise<string[]> {
    return dispatchAll(baseUrl, count, (n) => ({ type: 'email.welcome', payload: { email: `u${n}@example.com`, name: 'U' }, group }));
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    cask = new CaskSystem('groups', { DATABASE_URL: database.url, DISPATCH_RATE_LIMIT_PER_SECOND: '0' });
    await cask.startApi();
    second = await startApi({ ...cask.commonEnv, RATE_LIMIT_PER_SECOND: '0' });
    await cask.startWorker({ WORKER_CONCURRENCY: '8' });
    worker = await startWorker({ ...cask.commonEnv, WORKER_CONCURRENCY: '8' });
  });

  afterAll(async () => {
    await Promise.all([second?.process.stop('SIGKILL'), worker?.stop('SIGKILL')]);
    await cask.stop();
    await database.drop();
  });

  it('never runs more than 2 of one endpoint at once, across both workers, whichever api dispatched them', async () => {
    const ids = [...(await deliver(cask.baseUrl, 'capped', 6, 300)), ...(await deliver(second.baseUrl, 'capped', 6, 300))];
    const seen: number[] = [];
    await waitFor(
      async () => {
        const [group] = (await call<GroupPage>(second.baseUrl, 'GET', '/groups?queue=webhooks')).body.items.filter(
          (item) => item.key === 'capped',
        );
        seen.push(group.active);
        return group.waiting === 0 && group.active === 0;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: 'the capped group to finish' },
    );

    const jobs = await jobsOf('capped');
    expect(jobs.map((job) => job.status)).toEqual(Array(12).fill('succeeded'));
    expect(new Set(jobs.map((job) => job.job_id))).toEqual(new Set(ids));
    expect(mostAtOnce(jobs)).toBe(2);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
  });

  it('with 10,000 jobs of one group waiting, nine groups of 10 each finish before 5 % of them have', async () => {
    // Paused while dispatching, so the big backlog is all waiting when the small ones arrive. No group here has
    // a cap: only the turns keep the big one from running ahead.
    expect((await call(cask.baseUrl, 'POST', '/queues/default/pause')).status).toBe(200);
    await Promise.all([cask.worker, worker].map((w) => w?.waitForLine(/Queue default paused/)));
    const big = await emails(cask.baseUrl, 'big', 10_000);
    const small: string[] = [];
    for (let i = 1; i <= 9; i++) small.push(...(await emails(i % 2 ? second.baseUrl : cask.baseUrl, `small-${i}`, 10)));
    expect((await call(second.baseUrl, 'POST', '/queues/default/resume')).status).toBe(200);

    const finished = await cask.waitForTerminal(small, 120_000);
    expect(finished.map((job) => job.status)).toEqual(Array(90).fill('succeeded'));
    await waitFor(
      async () => {
        const [group] = (await call<GroupPage>(cask.baseUrl, 'GET', '/groups?queue=default')).body.items.filter(
          (item) => item.key === 'big',
        );
        return group.waiting === 0 && group.active === 0;
      },
      { timeoutMs: 240_000, intervalMs: 500, what: 'the big group to finish' },
    );

    const lastSmall = Math.max(...(await Promise.all(small.map((id) => cask.get(id)))).map((job) => Date.parse(job.finished_at as string)));
    const bigJobs = await jobsOf('big');
    expect(bigJobs).toHaveLength(big.length);
    expect(bigJobs.every((job) => job.status === 'succeeded')).toBe(true);
    const bigBefore = bigJobs.filter((job) => Date.parse(job.finished_at as string) <= lastSmall).length;
    console.log(`groups fairness: ${bigBefore} of 10,000 big jobs had finished when the 90 small ones had`);
    expect(bigBefore).toBeLessThan(500);
  });
});
