import { CaskSystem, JobBody, expectInvariants, waitFor } from '@cask/testing';

interface StepResult {
  name: string;
  parents: Record<string, { status: string; result: { name: string } | null }>;
}

/**
 * `kill -9` the worker while it runs the middle level of a flow: the killed jobs run again on the next worker,
 * every job ends once, no child runs before its parents have finished, and the last one reads them all.
 */
describe('fault: worker killed in the middle of a flow', () => {
  const cask = new CaskSystem('kill9-flow');

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_CONCURRENCY: '4' });
  });

  afterAll(() => cask.stop());

  const step = (name: string, sleepMs: number) => ({ type: 'demo.step', payload: { name, sleep_ms: sleepMs } });
  const at = (time: string | null | undefined) => Date.parse(time as string);

  it('finishes the flow in order after the worker running its middle level died', async () => {
    const answer = await cask.post('/flows', {
      nodes: [
        { key: 'root', ...step('root', 50) },
        { key: 'mid-1', ...step('mid-1', 1500), parents: ['root'] },
        { key: 'mid-2', ...step('mid-2', 1500), parents: ['root'] },
        { key: 'mid-3', ...step('mid-3', 1500), parents: ['root'] },
        { key: 'end', ...step('end', 50), parents: ['mid-1', 'mid-2', 'mid-3'] },
      ],
    });
    expect(answer.status).toBe(202);
    const ids = answer.body.job_ids as Record<string, string>;
    const middle = ['mid-1', 'mid-2', 'mid-3'].map((key) => ids[key]);
    await waitFor(async () => (await Promise.all(middle.map((id) => cask.get(id)))).every((job) => job.status === 'running'), {
      what: 'the middle level running',
      intervalMs: 20,
    });
    expect(await cask.worker?.stop('SIGKILL')).toBeNull();
    expect((await cask.get(ids.end)).status).toBe('waiting');

    await cask.startWorker({ WORKER_CONCURRENCY: '4' });
    const jobs: JobBody[] = await expectInvariants(cask, Object.values(ids));

    expect(jobs.map((job) => job.status)).toEqual(Array(5).fill('succeeded'));
    const byKey = Object.fromEntries(Object.keys(ids).map((key, i) => [key, jobs[i]]));
    // The dead worker's three ran again; the last job waited for the reruns, ran once, and read all three.
    for (const key of ['mid-1', 'mid-2', 'mid-3']) expect(byKey[key].attempts).toBeGreaterThanOrEqual(2);
    expect(byKey.end.attempts).toBe(1);
    expect(at(byKey.end.started_at)).toBeGreaterThanOrEqual(Math.max(...middle.map((_, i) => at(jobs[i + 1].finished_at))));
    const end = byKey.end.result as unknown as StepResult;
    expect(Object.keys(end.parents).sort()).toEqual(['mid-1', 'mid-2', 'mid-3']);
    for (const parent of Object.values(end.parents)) expect(parent.status).toBe('succeeded');
  });
});
