import { CaskSystem, expectInvariants, mostAtOnce, waitFor } from '@cask/testing';

/** `kill -9` a worker while it runs a group's jobs: the group's cap holds through the crash, and every job ends once. */
describe('fault: worker killed in the middle of a group', () => {
  const cask = new CaskSystem('kill9-group');

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_CONCURRENCY: '8' });
  });

  afterAll(() => cask.stop());

  it('finishes all 20 jobs of a group capped at 2, never more than 2 at once, after the worker running 2 of them died', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await cask.dispatch('webhook.deliver', { endpoint: 'crash', event: { n: i }, duration_ms: 400 }));
    await waitFor(async () => (await Promise.all(ids.map((id) => cask.get(id)))).filter((job) => job.status === 'running').length === 2, {
      what: 'two of the group running',
      intervalMs: 20,
    });
    const victim = cask.worker;
    expect(await victim?.stop('SIGKILL')).toBeNull();
    const before = await Promise.all(ids.map((id) => cask.get(id)));
    expect(before.filter((job) => job.status === 'succeeded').length).toBeLessThan(20);

    await cask.startWorker({ WORKER_CONCURRENCY: '8' });
    const jobs = await expectInvariants(cask, ids);

    expect(jobs.map((job) => job.status)).toEqual(Array(20).fill('succeeded'));
    expect(mostAtOnce(jobs)).toBeLessThanOrEqual(2);
    // The crash touched the two the dead worker ran, and no job the group had not let go.
    const rerun = jobs.filter((job) => job.attempts > 1).length;
    expect(rerun).toBeGreaterThanOrEqual(1);
    expect(rerun).toBeLessThanOrEqual(2);
  });
});
