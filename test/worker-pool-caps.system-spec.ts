import { CaskSystem, JobBody, inParallel } from '@cask/testing';

type TimedJob = JobBody & { started_at: string | null; finished_at: string | null };

/** Per job type concurrency caps inside a worker (`WORKER_TYPE_CONCURRENCY`). */
describe('worker pool: per-type concurrency caps', () => {
  const cask = new CaskSystem('pool-caps');

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_CONCURRENCY: '3', WORKER_TYPE_CONCURRENCY: 'video.process=2,demo.fault=1' });
  });

  afterAll(() => cask.stop());

  /** Counts running jobs of `type` over and over until `ids` are all terminal; resolves the counts seen. */
  async function sampleRunning(type: string, ids: string[]): Promise<number[]> {
    const counts: number[] = [];
    let done = false;
    const finished = cask.waitForTerminal(ids).finally(() => (done = true));
    while (!done) {
      const response = await fetch(`${cask.baseUrl}/jobs?status=running&type=${type}&limit=100`);
      counts.push(((await response.json()) as { items: unknown[] }).items.length);
    }
    await finished;
    return counts;
  }

  it('never runs more than 2 video.process jobs at once, and runs all 10', async () => {
    const ids = await inParallel(Array.from({ length: 10 }), 10, (_, i) =>
      cask.dispatch('video.process', { url: `https://example.com/${i}.mp4`, duration_ms: 300 }),
    );

    const counts = await sampleRunning('video.process', ids);

    expect(Math.max(...counts)).toBe(2);
    const jobs = await cask.waitForTerminal(ids);
    expect(jobs.map((job) => job.status)).toEqual(ids.map(() => 'succeeded'));
  });

  it('gives no worker slot to jobs waiting for their cap: other types run meanwhile', async () => {
    // Five 600 ms demo.fault jobs capped at one at a time: the worker holds three of them (its prefetch on
    // the default queue), one running and two waiting. Were the waiting ones to hold worker slots, all
    // three slots would be taken and the video jobs would wait for the faults.
    const faults = await inParallel(Array.from({ length: 5 }), 5, () => cask.dispatch('demo.fault', { mode: 'sleep', ms: 600 }));
    const videos = await inParallel(Array.from({ length: 2 }), 2, (_, i) =>
      cask.dispatch('video.process', { url: `https://example.com/beside-${i}.mp4`, duration_ms: 50 }),
    );

    const counts = await sampleRunning('demo.fault', [...faults, ...videos]);

    expect(Math.max(...counts)).toBe(1);
    const jobs = (await cask.waitForTerminal([...faults, ...videos])) as TimedJob[];
    expect(jobs.every((job) => job.status === 'succeeded')).toBe(true);
    const finishedAt = (some: TimedJob[]) => some.map((job) => Date.parse(job.finished_at as string));
    expect(Math.max(...finishedAt(jobs.slice(5)))).toBeLessThan(Math.min(...finishedAt(jobs.slice(0, 5))));
  });
});
