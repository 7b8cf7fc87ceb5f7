import { CaskSystem, expectInvariants, inParallel } from '@cask/testing';

/** Scenario 4: a job that always fails ends failed after max_attempts with one dead letter, and can be redriven. */
describe('fault: exhausted attempts, dead letter and redrive', () => {
  const cask = new CaskSystem('redrive');
  const fixed = { type: 'fixed', base_ms: 50, cap_ms: 50, jitter: 0 };
  const known: string[] = [];

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_CONCURRENCY: '50' });
  });

  afterAll(() => cask.stop());

  /** Every stored letter, once `count` are. */
  async function deadLetters(count: number): Promise<Array<{ reason: unknown; id: unknown }>> {
    const letters = await cask.deadLetters(count);
    return letters.map((letter) => ({ reason: letter.reason, id: letter.job_id }));
  }

  it('fails after exactly max_attempts with its error history and one dead letter; 999 others succeed; redrive reruns it', async () => {
    const doomed = await cask.dispatch('demo.flaky', { fail_times: 10 }, { max_attempts: 3, backoff: fixed });
    const others = await inParallel(Array.from({ length: 999 }), 50, (_, i) =>
      cask.dispatch('email.welcome', { email: `ok${i}@example.com`, name: 'Ok' }),
    );

    known.push(doomed, ...others);
    const [failed, ...rest] = await expectInvariants(cask, known);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'flaky' } });
    expect(failed.history.filter((h) => h.status === 'retrying').map((h) => h.attempt)).toEqual([1, 2]);
    expect(failed.history.filter((h) => h.error).map((h) => h.error?.code)).toEqual(['flaky', 'flaky', 'flaky']);
    expect(rest.every((job) => job.status === 'succeeded' && job.attempts === 1)).toBe(true);
    expect(await deadLetters(1)).toEqual([{ reason: 'exhausted', id: doomed }]);

    const redrive = await cask.post(`/jobs/${doomed}/retry`, {});
    expect(redrive).toEqual({ status: 202, body: { status: 'queued', job_id: doomed } });
    const [again] = await expectInvariants(cask, known);
    expect(again).toMatchObject({ status: 'failed', attempts: 3 });
    expect(again.history.filter((h) => h.series === 2).map((h) => h.status)).toEqual([
      'queued',
      'running',
      'retrying',
      'running',
      'retrying',
      'running',
      'failed',
    ]);
    expect((await cask.post(`/jobs/${others[0]}/retry`, {})).status).toBe(409);
  });

  it('redrives failed jobs in bulk by type and says how many', async () => {
    const ids = await inParallel(Array.from({ length: 5 }), 5, () => cask.dispatch('demo.flaky', { fail_times: 1 }, { max_attempts: 1 }));
    known.push(...ids);
    await expectInvariants(cask, known);
    // The five new failures and the job redriven above, which failed again.
    const response = await cask.post('/jobs/retry', { type: 'demo.flaky', status: 'failed' });
    expect(response).toEqual({ status: 200, body: { retried: 6 } });
    // Redriven with max_attempts 1 and fail_times 1, each fails again on its one attempt of series 2.
    const jobs = await expectInvariants(cask, known);
    for (const job of jobs.filter((j) => ids.includes(j.job_id))) {
      expect(job.history.filter((h) => h.series === 2).map((h) => h.status)).toEqual(['queued', 'running', 'failed']);
    }
  });
});
