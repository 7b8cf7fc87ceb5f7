import { CaskSystem, expectConsumers, expectInvariants, inParallel } from '@cask/testing';

/** Scenario 1: `kill -9` a worker with 1,000 jobs in flight; another worker finishes all of them. */
describe('fault: worker killed with 1,000 jobs in flight', () => {
  const cask = new CaskSystem('kill9');

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_CONCURRENCY: '50' });
  });

  afterAll(() => cask.stop());

  it('ends every job terminal, once, with attempts above 1 only for jobs the crash touched', async () => {
    const ids = await inParallel(Array.from({ length: 1000 }), 50, (_, i) =>
      cask.dispatch('video.process', { url: `https://example.com/${i}.mp4`, duration_ms: 100 }),
    );
    const victim = cask.worker;
    expect(await victim?.stop('SIGKILL')).toBeNull();
    const before = await Promise.all(ids.map((id) => cask.get(id)));
    const unfinished = before.filter((job) => job.status !== 'succeeded').length;
    expect(unfinished).toBeGreaterThan(0);

    await cask.startWorker({ WORKER_CONCURRENCY: '50' });
    const jobs = await expectInvariants(cask, ids);
    expect(jobs.filter((job) => job.status === 'succeeded')).toHaveLength(1000);
    // Only jobs the dead worker held (at most its prefetch per queue) can have run more than once.
    const repeated = jobs.filter((job) => job.attempts > 1);
    expect(repeated.length).toBeLessThanOrEqual(50 * 2);
    for (const job of jobs.filter((j) => before.find((b) => b.job_id === j.job_id)?.status === 'succeeded')) expect(job.attempts).toBe(1);
    await expectConsumers([`${cask.namespace}.jobs.video`, `${cask.namespace}.events`]);
  });
});
