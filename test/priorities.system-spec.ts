import { topologyFor } from '@cask/contracts';
import { CaskSystem, inParallel, queueDepth, waitFor } from '@cask/testing';
import Database from 'better-sqlite3';

/** With a backlog, higher-priority jobs run first. */
describe('priorities', () => {
  const cask = new CaskSystem('priority');

  beforeAll(async () => {
    await cask.startApi();
  });

  afterAll(() => cask.stop());

  it('finishes 20 priority-9 jobs before 80% of a backlog of 500 priority-0 jobs dispatched ahead of them', async () => {
    const low = await inParallel(Array.from({ length: 500 }), 25, (_, i) =>
      cask.dispatch('email.welcome', { email: `low${i}@example.com`, name: 'Low' }),
    );
    const high = await inParallel(Array.from({ length: 20 }), 10, (_, i) =>
      cask.dispatch('email.welcome', { email: `high${i}@example.com`, name: 'High' }, { priority: 9 }),
    );
    // Every job's message confirmed by the broker (the outbox empty), in messages of one or several jobs.
    const outboxEmpty = () => {
      const db = new Database(cask.sqlitePath, { readonly: true });
      try {
        return (db.prepare('select count(*) as n from outbox').get() as { n: number }).n === 0;
      } finally {
        db.close();
      }
    };
    await waitFor(async () => outboxEmpty() && (await queueDepth(topologyFor(cask.namespace).jobQueue('default'))) > 0, {
      what: 'the backlog to be in the queue',
    });

    await cask.startWorker({ WORKER_CONCURRENCY: '5' });
    const jobs = await cask.waitForTerminal([...low, ...high]);
    const finished = (ids: string[]) =>
      jobs
        .filter((job) => ids.includes(job.job_id))
        .map((job) => Date.parse(job.history.find((h) => h.status === 'succeeded')?.at as string))
        .sort((a, b) => a - b);
    const lowTimes = finished(low);
    const lastHigh = Math.max(...finished(high));
    expect(lastHigh).toBeLessThan(lowTimes[Math.floor(0.8 * lowTimes.length)]);
    expect(jobs.filter((job) => job.job_id && high.includes(job.job_id)).every((job) => job.status === 'succeeded')).toBe(true);
  });
});
