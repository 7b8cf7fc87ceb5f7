import { AppProcess, CaskSystem, startWorker, waitFor } from '@cask/testing';

/** A queue paused through the api: two workers (and a third started later) start none of its jobs until it is resumed. */
describe('pausing a queue across workers', () => {
  const cask = new CaskSystem('queue-pause');
  let second: AppProcess | undefined;
  let third: AppProcess | undefined;

  async function call(method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${cask.baseUrl}${path}`, { method });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function queue(name: string): Promise<Record<string, unknown>> {
    const items = (await call('GET', '/queues')).body.items as Array<Record<string, unknown>>;
    return items.find((item) => item.queue === name) as Record<string, unknown>;
  }

  /** A job on another queue runs to the end: every worker has read the control stream and taken what it was sent. */
  async function anotherQueueRuns(): Promise<void> {
    const [done] = await cask.waitForTerminal([await cask.dispatch('demo.flaky', { fail_times: 0 })]);
    expect(done.status).toBe('succeeded');
  }

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_CONCURRENCY: '4' });
    second = await startWorker({ ...cask.commonEnv, WORKER_CONCURRENCY: '4' });
  });

  afterAll(async () => {
    await Promise.all([second?.stop('SIGKILL'), third?.stop('SIGKILL')]);
    await cask.stop();
  });

  it('starts nothing of a paused queue, in the workers running and one started later, then runs it all once resumed', async () => {
    const paused = await call('POST', '/queues/video/pause');
    expect(paused).toMatchObject({ status: 200, body: { queue: 'video', paused: true } });
    // The command reaches the workers through the broker, beside the jobs: dispatch once both have read it.
    await Promise.all([cask.worker, second].map((worker) => worker?.waitForLine(/Queue video paused/)));

    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(await cask.dispatch('video.process', { url: `https://example.com/p${i}.mp4`, duration_ms: 50 }));
    await anotherQueueRuns();
    third = await startWorker({ ...cask.commonEnv, WORKER_CONCURRENCY: '4' });
    await third.waitForLine(/Queue video paused/);
    await anotherQueueRuns();

    const waiting = await Promise.all(ids.map((id) => cask.get(id)));
    expect(waiting.map((job) => [job.status, job.attempts])).toEqual(Array(6).fill(['queued', 0]));
    expect(await queue('video')).toMatchObject({ paused: true, queued: 6, running: 0 });

    expect(await call('POST', '/queues/video/resume')).toMatchObject({ status: 200, body: { queue: 'video', paused: false } });
    const finished = await cask.waitForTerminal(ids);
    expect(finished.map((job) => [job.status, job.attempts])).toEqual(Array(6).fill(['succeeded', 1]));
    await waitFor(async () => (await queue('video')).queued === 0, { what: 'GET /queues to count no video job queued' });
    expect(await queue('video')).toMatchObject({ paused: false, running: 0 });
  });

  it('answers 404 naming the known queues for a queue no job type uses', async () => {
    const response = await call('POST', '/queues/nope/pause');
    expect(response).toEqual({
      status: 404,
      body: { error: 'Unknown queue "nope"', details: [{ field: 'queue', reason: 'must be one of: default, video, webhooks' }] },
    });
  });
});
