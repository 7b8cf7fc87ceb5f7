import { CaskSystem, expectInvariants, inParallel, waitFor } from '@cask/testing';

/**
 * Most crashes are not a job's doing (a deploy, an out-of-memory kill, a lost host): a worker killed with 16
 * five-second jobs running shows them as waiting to run again once its heartbeats stop, and restarted, runs all
 * 16 again side by side, not one at a time, and not behind the queue's backlog.
 */
describe('fault: worker killed with 16 long jobs running, restarted', () => {
  const cask = new CaskSystem('recovery');
  const LONG_MS = 5000;
  const HEARTBEAT_MS = 500;
  const TIMEOUT_MS = 1500;
  const worker = { WORKER_CONCURRENCY: '16', WORKER_HEARTBEAT_MS: String(HEARTBEAT_MS) };

  beforeAll(async () => {
    await cask.startApi({ WORKERS_TIMEOUT_MS: String(TIMEOUT_MS) });
    await cask.startWorker(worker);
  });

  afterAll(() => cask.stop());

  it('shows the dead worker’s jobs as retrying (worker lost), then reruns them at full concurrency: all done within 15 s of the restart', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 16; i++)
      ids.push(await cask.dispatch('video.process', { url: `https://example.com/${i}.mp4`, duration_ms: LONG_MS }));
    await waitFor(async () => (await Promise.all(ids.map((id) => cask.get(id)))).every((job) => job.status === 'running'), {
      what: 'all 16 jobs to be running',
    });
    // A backlog behind them: the reruns must not wait for it.
    const backlog = await inParallel(Array.from({ length: 150 }), 20, (_, i) =>
      cask.dispatch('video.process', { url: `https://example.com/b${i}.mp4`, duration_ms: 1000 }),
    );
    const dead = (await cask.get(ids[0])).worker as string;
    expect(await cask.worker?.stop('SIGKILL')).toBeNull();
    const killedAt = Date.now();

    // Honest status: within a few heartbeat intervals, not `running` but waiting to run again, the worker named.
    const shown = await waitFor(
      async () => {
        const jobs = await Promise.all(ids.map((id) => cask.get(id)));
        return jobs.every((job) => job.status === 'retrying') && jobs;
      },
      { what: 'the 16 jobs to show their worker lost' },
    );
    expect(Date.now() - killedAt).toBeLessThan(TIMEOUT_MS + TIMEOUT_MS / 3 + 1000);
    for (const job of shown) {
      expect(job).toMatchObject({ attempts: 1, error: { code: 'worker_lost', retryable: true }, next_attempt_at: null });
      expect(job.history.at(-1)).toMatchObject({ status: 'retrying', attempt: 1, worker: dead, error: { code: 'worker_lost' } });
    }

    const restartedAt = Date.now();
    await cask.startWorker(worker);
    const jobs = await expectInvariants(cask, ids);
    const waited = await cask.waitForTerminal(backlog);
    expect(waited.every((job) => job.status === 'succeeded')).toBe(true);
    expect(jobs.map((job) => [job.status, job.attempts])).toEqual(ids.map(() => ['succeeded', 2]));
    const finished = Math.max(...jobs.map((job) => Date.parse(job.finished_at as string)));
    // The figure issue 16 asks for, printed by every run (80.9 s before rescue queues, on this machine).
    console.log(`recovery: the 16 reruns finished ${finished - restartedAt} ms after the worker's restart`);
    expect(finished - restartedAt).toBeLessThan(15_000);
    // Side by side: the second runs all started within a few seconds of each other (some wait for a wave or two of
    // the one-second backlog jobs the worker took first), not five seconds apart one after another.
    const starts = jobs.map((job) => Date.parse(job.started_at as string));
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(3_000);
  });
});
