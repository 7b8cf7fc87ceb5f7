import { CaskSystem, expectInvariants } from '@cask/testing';

/** Scenario 3: a job failing three times succeeds on its fourth attempt, the gaps following the backoff. */
describe('fault: retries with exponential backoff', () => {
  const cask = new CaskSystem('backoff');

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
  });

  afterAll(() => cask.stop());

  it('succeeds demo.flaky (fail_times 3, max_attempts 5) with 4 attempts, waiting 200, 400 and 800 ms between them', async () => {
    const id = await cask.dispatch(
      'demo.flaky',
      { fail_times: 3 },
      { max_attempts: 5, backoff: { type: 'exponential', base_ms: 200, cap_ms: 10_000, jitter: 0 } },
    );
    const [job] = await expectInvariants(cask, [id]);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 4, result: { attempts: 4 }, next_attempt_at: null });
    expect(job.history.map((h) => `${h.status}:${h.attempt}`)).toEqual([
      'running:1',
      'retrying:1',
      'running:2',
      'retrying:2',
      'running:3',
      'retrying:3',
      'running:4',
      'succeeded:4',
    ]);
    const at = (status: string, attempt: number) =>
      Date.parse(job.history.find((h) => h.status === status && h.attempt === attempt)?.at as string);
    for (const [attempt, delay] of [
      [1, 200],
      [2, 400],
      [3, 800],
    ]) {
      const gap = at('running', attempt + 1) - at('retrying', attempt);
      expect(gap).toBeGreaterThanOrEqual(delay - 5);
      expect(gap).toBeLessThan(delay + 1500);
    }
    for (const h of job.history.filter((h) => h.status === 'retrying')) expect(h.error).toMatchObject({ code: 'flaky' });
  });

  it('shows retrying with next_attempt_at while waiting', async () => {
    const id = await cask.dispatch(
      'demo.flaky',
      { fail_times: 1 },
      { max_attempts: 2, backoff: { type: 'fixed', base_ms: 3000, cap_ms: 3000, jitter: 0 } },
    );
    let seen: Awaited<ReturnType<CaskSystem['get']>> | undefined;
    for (let i = 0; i < 200 && seen?.status !== 'retrying'; i += 1) {
      seen = await cask.get(id);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen).toMatchObject({ status: 'retrying', attempts: 1, error: { code: 'flaky' } });
    const waitMs = Date.parse(seen?.next_attempt_at as string) - Date.now();
    expect(waitMs).toBeGreaterThan(1000);
    const [job] = await expectInvariants(cask, [id]);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('fails a permanent error at once, without retries', async () => {
    const [job] = await expectInvariants(cask, [
      await cask.dispatch('email.welcome', { email: 'x@bounce.test', name: 'X' }, { max_attempts: 5 }),
    ]);
    expect(job).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'mailbox_rejected', retryable: false } });
  });
});
