import { AppProcess, CaskSystem, expectInvariants, inParallel } from '@cask/testing';

/** Scenario 5: a job that kills its worker on every delivery ends `poison`; the jobs beside it succeed. */
describe('fault: a poison job that kills its worker', () => {
  const cask = new CaskSystem('poison');
  const env = () => ({ ...cask.commonEnv, WORKER_CONCURRENCY: '10', WORKER_ENABLE_CRASH_DEMO: 'true' });
  let worker: AppProcess | undefined;
  let stopped = false;
  let restarts = 0;

  /** Keeps one worker running, restarting it whenever it dies, as a process supervisor would. */
  async function supervise(): Promise<void> {
    while (!stopped) {
      // Not startWorker(): the worker can die on the poison job before it logs that it consumes.
      worker = AppProcess.start('worker', env());
      await worker.waitForExit();
      if (!stopped) restarts += 1;
    }
  }

  beforeAll(async () => {
    await cask.startApi();
  });

  afterAll(async () => {
    stopped = true;
    await worker?.stop('SIGKILL');
    await cask.stop();
  });

  it('fails the job with code poison after its attempt limit, without taking its neighbours along', async () => {
    const poison = await cask.dispatch('demo.fault', { mode: 'crash' }, { max_attempts: 2 });
    const neighbours = await inParallel(Array.from({ length: 30 }), 10, (_, i) =>
      cask.dispatch('video.process', { url: `https://example.com/${i}.mp4`, duration_ms: 300 }),
    );
    const supervisor = supervise();

    const [job, ...others] = await expectInvariants(cask, [poison, ...neighbours]);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'poison', retryable: false } });
    // Two deaths beside other jobs (held at the second, it is isolated), then max_attempts deaths alone in the
    // suspect queue. A worker can die while moving a redelivered copy, which may leave a second copy: that one
    // ends poison too.
    expect(restarts).toBeGreaterThanOrEqual(4);
    expect(restarts).toBeLessThanOrEqual(12);
    expect(others.map((other) => other.status)).toEqual(neighbours.map(() => 'succeeded'));

    const [letter] = await cask.deadLetters(1, `job_id=${poison}`);
    expect(letter).toMatchObject({ reason: 'poison', type: 'demo.fault', job_status: 'failed', redrivable: true });

    stopped = true;
    await worker?.stop('SIGKILL');
    await supervisor;
  });
});
