import { CaskSystem, rawConnection, waitFor } from '@cask/testing';

/** `CASK_JOB_QUEUE_TYPE=quorum` on both apps: job and suspect queues are quorum queues, and jobs run as on classic ones. */
describe('quorum job queues', () => {
  const cask = new CaskSystem('quorum', { CASK_JOB_QUEUE_TYPE: 'quorum' });

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
  });

  afterAll(() => cask.stop());

  it('declares the job queues as quorum queues that dead-letter: the classic arguments are refused', async () => {
    const connection = await rawConnection();
    try {
      const same = await connection.createChannel();
      const quorum = { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': `${cask.namespace}.dlx` };
      await expect(same.assertQueue(`${cask.namespace}.jobs.default`, { durable: true, arguments: quorum })).resolves.toBeDefined();
      await expect(same.assertQueue(`${cask.namespace}.suspect.video`, { durable: true, arguments: quorum })).resolves.toBeDefined();
      await same.close();
      const other = await connection.createChannel();
      other.on('error', () => undefined);
      const classic = { 'x-queue-type': 'classic', 'x-max-priority': 9, 'x-dead-letter-exchange': `${cask.namespace}.dlx` };
      await expect(other.assertQueue(`${cask.namespace}.jobs.default`, { durable: true, arguments: classic })).rejects.toThrow(
        /PRECONDITION_FAILED/,
      );
    } finally {
      await connection.close();
    }
  });

  it('runs jobs of every queue, a retry through its delay queue, and a job with a priority', async () => {
    const ids = [
      await cask.dispatch('email.welcome', { email: 'q@example.com', name: 'Quorum' }, { priority: 9 }),
      await cask.dispatch('video.process', { url: 'https://example.com/q.mp4', duration_ms: 100 }),
      await cask.dispatch('demo.flaky', { fail_times: 1 }, { backoff: { type: 'fixed', base_ms: 50, cap_ms: 50, jitter: 0 } }),
    ];
    const jobs = await cask.waitForTerminal(ids);
    expect(jobs.map((job) => [job.status, job.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
      ['succeeded', 2],
    ]);
  });

  it('reruns a killed worker’s jobs from a quorum queue', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await cask.dispatch('video.process', { url: `https://example.com/k${i}.mp4`, duration_ms: 2000 }));
    await waitFor(async () => (await Promise.all(ids.map((id) => cask.get(id)))).every((job) => job.status === 'running'), {
      what: 'the four jobs to be running',
    });
    expect(await cask.worker?.stop('SIGKILL')).toBeNull();
    await cask.startWorker();
    const jobs = await cask.waitForTerminal(ids);
    expect(jobs.map((job) => [job.status, job.attempts])).toEqual(ids.map(() => ['succeeded', 2]));
  });
});
