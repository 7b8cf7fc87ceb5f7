import { CaskSystem, listAllJobs, waitFor } from '@cask/testing';

/** Batches store all or nothing; finished jobs are purged after their retention and answer 410. */
describe('batches and retention', () => {
  const cask = new CaskSystem('batch');
  // A system of its own: a retention short enough to watch would purge the batch's jobs while a busy machine
  // still reads them back one by one.
  const shortLived = new CaskSystem('retention');

  beforeAll(async () => {
    await Promise.all([cask.startApi(), shortLived.startApi({ JOB_RETENTION_MS: '3000', RETENTION_SWEEP_MS: '200' })]);
    await Promise.all([cask.startWorker({ WORKER_CONCURRENCY: '50' }), shortLived.startWorker()]);
  });

  afterAll(() => Promise.all([cask.stop(), shortLived.stop()]));

  it('takes a batch of 1,000 jobs and answers their ids in order', async () => {
    const jobs = Array.from({ length: 1000 }, (_, i) => ({
      type: 'email.welcome',
      payload: { email: `b${i}@example.com`, name: `B${i}` },
    }));
    const response = await cask.post('/jobs/batch', { jobs });
    expect(response.status).toBe(202);
    const ids = response.body.job_ids as string[];
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) cask.dispatched.add(id);
    const done = await cask.waitForTerminal(ids);
    done.forEach((job, i) => expect(job.result?.delivered_to).toBe(`b${i}@example.com`));
  });

  it('stores nothing from a batch with bad items and names each by index and field', async () => {
    const before = (await listAllJobs(cask)).length;
    const jobs = Array.from({ length: 10 }, (_, i) => ({ type: 'email.welcome', payload: { email: `c${i}@example.com`, name: 'C' } }));
    jobs[3] = { type: 'email.welcome', payload: { email: 'not-an-email', name: 'C' } };
    jobs[7] = { type: 'no.such', payload: {} } as (typeof jobs)[number];
    const response = await cask.post('/jobs/batch', { jobs });
    expect(response.status).toBe(400);
    const fields = (response.body.details as Array<{ field: string }>).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['jobs[3].payload.email', 'jobs[7].type']));
    expect((await listAllJobs(cask)).length).toBe(before);
  });

  it('refuses an empty batch and one over 1,000', async () => {
    expect((await cask.post('/jobs/batch', { jobs: [] })).status).toBe(400);
    const tooMany = Array.from({ length: 1001 }, () => ({ type: 'demo.flaky', payload: { fail_times: 0 } }));
    expect((await cask.post('/jobs/batch', { jobs: tooMany })).status).toBe(400);
  });

  it('purges a finished job after its retention: 410 for its id, 404 for an id never seen', async () => {
    const [job] = await shortLived.waitForTerminal([await shortLived.dispatch('demo.flaky', { fail_times: 0 })]);
    expect(job.status).toBe('succeeded');
    await waitFor(async () => (await fetch(`${shortLived.baseUrl}/jobs/${job.job_id}`)).status === 410, {
      timeoutMs: 20_000,
      what: 'the job to be purged',
    });
    const gone = await fetch(`${shortLived.baseUrl}/jobs/${job.job_id}`);
    expect(await gone.json()).toEqual({ error: 'Job was purged after its retention period' });
    expect((await fetch(`${shortLived.baseUrl}/jobs/01900000-0000-7000-8000-000000000000`)).status).toBe(404);
  });
});
