import { CaskSystem, expectInvariants } from '@cask/testing';

/** Scenario 6: handlers past their timeout_ms are recorded as timed out, whether or not they heed the signal. */
describe('fault: timeouts', () => {
  const cask = new CaskSystem('timeout');

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
  });

  afterAll(() => cask.stop());

  it('records timeout for a handler that stops when its signal fires', async () => {
    const [job] = await expectInvariants(cask, [
      await cask.dispatch('demo.fault', { mode: 'sleep', ms: 10_000 }, { timeout_ms: 300, max_attempts: 1 }),
    ]);
    expect(job).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'timeout', retryable: true } });
  });

  it('records timeout at the deadline for a handler that ignores its signal, and discards its late result', async () => {
    const id = await cask.dispatch('demo.fault', { mode: 'ignore_abort', ms: 3000 }, { timeout_ms: 300, max_attempts: 1 });
    const [job] = await expectInvariants(cask, [id]);
    const failedAt = Date.parse(job.history.find((h) => h.status === 'failed')?.at as string);
    const startedAt = Date.parse(job.history.find((h) => h.status === 'running')?.at as string);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect(failedAt - startedAt).toBeLessThan(2500);
    await cask.worker?.waitForLine(new RegExp(`${id}: late result after its timeout discarded`), 10_000);
    expect((await cask.get(id)).status).toBe('failed');
  });

  it('retries a timed-out attempt per its policy', async () => {
    const [job] = await expectInvariants(cask, [
      await cask.dispatch(
        'demo.fault',
        { mode: 'sleep', ms: 10_000 },
        { timeout_ms: 200, max_attempts: 2, backoff: { type: 'fixed', base_ms: 50, cap_ms: 50, jitter: 0 } },
      ),
    ]);
    expect(job).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'timeout' } });
    expect(job.history.map((h) => h.status)).toEqual(['running', 'retrying', 'running', 'failed']);
  });
});
