import { AppProcess, CaskSystem, startWorker, waitFor } from '@cask/testing';

/** WORKER_QUEUES picks the job queues a worker consumes, so heavy jobs can get their own workers. */
describe('worker pool: WORKER_QUEUES', () => {
  const cask = new CaskSystem('pool-queues');
  let defaultWorker: AppProcess | undefined;

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_ID: 'video-worker', WORKER_QUEUES: 'video' });
  });

  afterAll(async () => {
    await defaultWorker?.stop('SIGKILL');
    await cask.stop();
  });

  it('runs only jobs of its queues: an email job waits until a worker of the default queue starts', async () => {
    const email = await cask.dispatch('email.welcome', { email: 'ada@example.com', name: 'Ada' });
    const video = await cask.dispatch('video.process', { url: 'https://example.com/a.mp4', duration_ms: 50 });

    const [videoJob] = await cask.waitForTerminal([video]);
    expect(videoJob.status).toBe('succeeded');
    expect(videoJob.history.find((h) => h.status === 'succeeded')?.worker).toBe('video-worker');
    // Dispatched first, yet untouched: nothing consumes its queue.
    expect((await cask.get(email)).status).toBe('queued');

    defaultWorker = await startWorker({ ...cask.commonEnv, WORKER_ID: 'default-worker', WORKER_QUEUES: 'default' });
    const [emailJob] = await cask.waitForTerminal([email]);
    expect(emailJob.status).toBe('succeeded');
    expect(emailJob.history.find((h) => h.status === 'succeeded')?.worker).toBe('default-worker');
  });

  it('refuses to start with a queue no job is routed to, naming it', async () => {
    const worker = AppProcess.start('worker', { ...cask.commonEnv, WORKER_QUEUES: 'video,gpu' });

    expect(await worker.waitForExit()).toBe(1);
    await waitFor(() => worker.output.some((line) => line.includes('WORKER_QUEUES: no job is routed to "gpu"')), {
      what: 'the config error',
    });
  });
});
