import { AppProcess, CaskSystem, JobBody, inParallel, rawConnection, startWorker } from '@cask/testing';

type TimedJob = JobBody & { started_at: string | null };

const RATE = 5;

/** A rate limit (jobs started per second per type) holds across all workers. */
describe('worker pool: rate limit across workers', () => {
  // Both apps read JOB_RATE_LIMITS: the api issues the tokens, the workers take them.
  const cask = new CaskSystem('pool-rate', { JOB_RATE_LIMITS: `demo.flaky=${RATE}` });
  let second: AppProcess | undefined;

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_ID: 'rate-a' });
    second = await startWorker({ ...cask.commonEnv, WORKER_ID: 'rate-b' });
  });

  afterAll(async () => {
    await second?.stop('SIGKILL');
    await cask.stop();
    const connection = await rawConnection();
    const channel = await connection.createChannel();
    await channel.deleteQueue(`${cask.namespace}.tokens.demo.flaky`);
    await connection.close();
  });

  it(`starts at most ${RATE} demo.flaky jobs per second between two workers`, async () => {
    const ids = await inParallel(Array.from({ length: 30 }), 30, () => cask.dispatch('demo.flaky', { fail_times: 0 }));

    const jobs = (await cask.waitForTerminal(ids)) as TimedJob[];

    expect(jobs.every((job) => job.status === 'succeeded')).toBe(true);
    const starts = jobs.map((job) => Date.parse(job.started_at as string)).sort((a, b) => a - b);
    const perSecond = new Map<number, number>();
    for (const start of starts) perSecond.set(Math.floor(start / 1000), (perSecond.get(Math.floor(start / 1000)) ?? 0) + 1);
    const [first, ...rest] = [...perSecond.entries()].sort(([a], [b]) => a - b).map(([, count]) => count);
    // The first second may also spend the tokens issued before the jobs came.
    expect(first).toBeLessThanOrEqual(2 * RATE);
    // A start is timed when its handler runs, a moment after its token was taken: on a loaded machine a token
    // of one second can start in the next, so a second may show a start or two more than the rate.
    for (const count of rest) expect(count).toBeLessThanOrEqual(RATE + 2);
    // 30 jobs at 5 per second take at least 4 whole seconds even with the first second's extra tokens.
    expect(starts[starts.length - 1] - starts[0]).toBeGreaterThanOrEqual(4000);
    // The broker spread the jobs over both workers, so a limit kept per worker would have let 10 a second through.
    const workers = new Set(jobs.map((job) => job.history.find((h) => h.status === 'succeeded')?.worker));
    expect(workers).toEqual(new Set(['rate-a', 'rate-b']));
  });
});
