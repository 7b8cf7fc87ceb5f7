import { CaskSystem, inParallel } from '@cask/testing';

/** The three example jobs, 200 of each, dispatched over HTTP to real processes on the real broker. */
describe('example jobs end to end', () => {
  const cask = new CaskSystem('examples');

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
  });

  afterAll(() => cask.stop());

  it('runs 200 email.welcome jobs to succeeded with the delivered address', async () => {
    const emails = Array.from({ length: 200 }, (_, i) => `user${i}@example.com`);
    const ids = await inParallel(emails, 20, (email, i) => cask.dispatch('email.welcome', { email, name: `User ${i}` }));
    const jobs = await cask.waitForTerminal(ids);
    jobs.forEach((job, i) => {
      expect(job.status).toBe('succeeded');
      expect(job.attempts).toBe(1);
      expect(job.result).toEqual({ delivered_to: emails[i], message_id: expect.stringMatching(/^<.+@cask\.example>$/) });
    });
    expect(new Set(jobs.map((job) => job.result?.message_id)).size).toBe(200);
  });

  it('runs 200 video.process jobs to succeeded with their frames and full progress', async () => {
    const payloads = Array.from({ length: 200 }, (_, i) => ({ url: `https://cdn.example.com/v${i}.mp4`, duration_ms: (i % 5) * 10 }));
    const ids = await inParallel(payloads, 20, (payload) => cask.dispatch('video.process', payload));
    const jobs = await cask.waitForTerminal(ids);
    jobs.forEach((job, i) => {
      expect(job.status).toBe('succeeded');
      expect(job.progress).toBe(100);
      expect(job.result).toEqual({
        url: payloads[i].url,
        frames: Math.round((payloads[i].duration_ms / 1000) * 30),
        processed_ms: expect.any(Number),
      });
      expect(job.result?.processed_ms).toBeGreaterThanOrEqual(payloads[i].duration_ms - 1);
    });
  });

  it('runs 200 demo.flaky jobs with fail_times 0 to succeeded on the first attempt', async () => {
    const ids = await inParallel(Array.from({ length: 200 }), 20, () => cask.dispatch('demo.flaky', { fail_times: 0 }));
    const jobs = await cask.waitForTerminal(ids);
    for (const job of jobs) expect(job).toMatchObject({ status: 'succeeded', attempts: 1, result: { attempts: 1 } });
  });

  it('ends demo.flaky with fail_times 1 and a single allowed attempt failed, its retryable error recorded', async () => {
    const [job] = await cask.waitForTerminal([await cask.dispatch('demo.flaky', { fail_times: 1 }, { max_attempts: 1 })]);
    expect(job).toMatchObject({
      status: 'failed',
      attempts: 1,
      result: null,
      error: { code: 'flaky', retryable: true, message: expect.stringContaining('attempt 1') },
    });
  });

  it('succeeds demo.flaky with fail_times 1 on its second attempt under the default retry policy', async () => {
    const [job] = await cask.waitForTerminal([await cask.dispatch('demo.flaky', { fail_times: 1 })]);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2, result: { attempts: 2 } });
    expect(job.history.map((h) => `${h.status}:${h.attempt}`)).toEqual(['running:1', 'retrying:1', 'running:2', 'succeeded:2']);
  });

  it('fails a welcome email to bounce.test with a permanent error', async () => {
    const [job] = await cask.waitForTerminal([await cask.dispatch('email.welcome', { email: 'gone@bounce.test', name: 'Gone' })]);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'mailbox_rejected', retryable: false } });
  });

  it('runs 1,000 jobs dispatched over HTTP to succeeded with none missing', async () => {
    const started = Date.now();
    const ids = await inParallel(Array.from({ length: 1000 }), 50, (_, i) =>
      cask.dispatch('email.welcome', { email: `bulk${i}@example.com`, name: 'Bulk' }),
    );
    const jobs = await cask.waitForTerminal(ids);
    expect(new Set(ids).size).toBe(1000);
    expect(jobs.filter((job) => job.status === 'succeeded')).toHaveLength(1000);
    process.stdout.write(`1,000 jobs dispatched and finished in ${Date.now() - started} ms\n`);
  });
});
