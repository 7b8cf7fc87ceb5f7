import { AppProcess, CaskSystem, expectInvariants, inParallel, startWorker, waitFor } from '@cask/testing';

/** Scenario 2: SIGTERM a worker mid-batch: its running jobs finish, the rest run on another worker. */
describe('fault: worker stopped with SIGTERM mid-batch', () => {
  const cask = new CaskSystem('sigterm');
  let other: AppProcess | undefined;

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_CONCURRENCY: '5', WORKER_ID: 'leaving' });
  });

  afterAll(async () => {
    await other?.stop('SIGKILL');
    await cask.stop();
  });

  it('finishes in-flight jobs with attempts 1, exits 0, and leaves the rest to another worker', async () => {
    const ids = await inParallel(Array.from({ length: 40 }), 10, (_, i) =>
      cask.dispatch('video.process', { url: `https://example.com/${i}.mp4`, duration_ms: 400 }),
    );
    await waitFor(async () => (await Promise.all(ids.map((id) => cask.get(id)))).some((job) => job.status === 'running'), {
      what: 'a running job',
    });

    expect(await cask.worker?.stop('SIGTERM')).toBe(0);
    expect(cask.worker?.output.join('\n')).toContain('Worker stopped');
    other = await startWorker({ ...cask.commonEnv, WORKER_CONCURRENCY: '10', WORKER_ID: 'staying' });

    const jobs = await expectInvariants(cask, ids);
    expect(jobs.map((job) => job.status)).toEqual(ids.map(() => 'succeeded'));
    for (const job of jobs) expect(job.attempts).toBe(1);
    const workers = new Set(jobs.map((job) => job.history.find((h) => h.status === 'succeeded')?.worker));
    expect(workers).toEqual(new Set(['leaving', 'staying']));
  });

  it('stops the api on SIGTERM with exit code 0 after draining', async () => {
    expect(await cask.api?.stop('SIGTERM')).toBe(0);
  });
});
