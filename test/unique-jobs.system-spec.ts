import { AppProcess, CaskSystem, createTestDatabase, startApi } from '@cask/testing';

/** Two api instances on one PostgreSQL database and a worker: a unique key makes one job whichever api is asked. */
describe('unique jobs across two api instances', () => {
  let database: { url: string; drop: () => Promise<void> };
  let cask: CaskSystem;
  let second: { process: AppProcess; baseUrl: string };

  async function post(baseUrl: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${baseUrl}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Ids of the video jobs stored for this url (a list item has no payload: each is read). */
  async function jobsFor(url: string): Promise<string[]> {
    const response = await fetch(`${cask.baseUrl}/jobs?type=video.process&limit=100`);
    const items = ((await response.json()) as { items: Array<{ job_id: string }> }).items;
    const jobs = await Promise.all(
      items.map(
        async (item) => (await (await fetch(`${cask.baseUrl}/jobs/${item.job_id}`)).json()) as { job_id: string; payload: { url: string } },
      ),
    );
    return jobs.filter((job) => job.payload.url === url).map((job) => job.job_id);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    cask = new CaskSystem('unique-2api', { DATABASE_URL: database.url });
    await cask.startApi();
    second = await startApi(cask.commonEnv);
    await cask.startWorker();
  });

  afterAll(async () => {
    await second?.process.stop('SIGKILL');
    await cask.stop();
    await database.drop();
  });

  it('makes one job of a key dispatched 50 times at once through both apis, and a new one once it has run', async () => {
    const url = 'https://example.com/unique-50.mp4';
    const body = { type: 'video.process', payload: { url, duration_ms: 1500 }, unique: { by: ['url'] } };

    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => post(i % 2 ? second.baseUrl : cask.baseUrl, body)));

    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(202));
    const ids = new Set(responses.map((response) => response.body.job_id));
    expect(ids.size).toBe(1);
    expect(responses.filter((response) => response.body.unique === 'created')).toHaveLength(1);
    const [job] = await cask.waitForTerminal([...ids] as string[]);
    expect(job.status).toBe('succeeded');
    expect(await jobsFor(url)).toEqual([...ids]);

    const after = await post(second.baseUrl, body);
    expect(after.body).toMatchObject({ status: 'queued', unique: 'created' });
    expect(after.body.job_id).not.toBe(job.job_id);
  });

  it('debounce: dispatches within the window through both apis run once, with the last payload', async () => {
    const unique = { key: 'debounce-2api', mode: 'debounce', for_ms: 1500 };
    const urls = ['https://example.com/d1.mp4', 'https://example.com/d2.mp4', 'https://example.com/d3.mp4'];
    const answers = [];
    for (const [i, url] of urls.entries()) {
      answers.push(await post(i % 2 ? second.baseUrl : cask.baseUrl, { type: 'video.process', payload: { url, duration_ms: 10 }, unique }));
    }

    expect(answers.map((answer) => answer.body.unique)).toEqual(['created', 'debounced', 'debounced']);
    const ids = new Set(answers.map((answer) => answer.body.job_id));
    expect(ids.size).toBe(1);
    const [job] = await cask.waitForTerminal([...ids] as string[]);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 1, payload: { url: urls[2] } });
    expect(await jobsFor(urls[0])).toEqual([]);
  });
});
