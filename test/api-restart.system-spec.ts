import { CaskSystem, inParallel } from '@cask/testing';

/** Events wait in the broker while the api is down; a restarted api records every one of them. */
describe('api restarted mid-run', () => {
  const cask = new CaskSystem('restart');

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_CONCURRENCY: '50' });
  });

  afterAll(() => cask.stop());

  it('still reports every job after being killed while jobs were running', async () => {
    const ids = await inParallel(Array.from({ length: 150 }), 25, (_, i) =>
      cask.dispatch('video.process', { url: `https://example.com/${i}.mp4`, duration_ms: 2000 }),
    );
    // 150 jobs of 2 s on 50 slots take 6 s: even a slow machine dispatches them all before the last finishes.
    const before = await Promise.all(ids.map((id) => cask.get(id)));
    expect(before.some((job) => job.status !== 'succeeded')).toBe(true);

    expect(await cask.api?.stop('SIGKILL')).toBeNull();
    await cask.startApi();

    const jobs = await cask.waitForTerminal(ids);
    expect(jobs.map((job) => job.status)).toEqual(ids.map(() => 'succeeded'));
    for (const job of jobs) expect(job).toMatchObject({ attempts: 1, progress: 100 });
  });
});
