import { CaskSystem, JobBody, waitFor } from '@cask/testing';

const at = (job: JobBody, status: string) => Date.parse(job.history.find((h) => h.status === status)?.at as string);

/** Delayed jobs wait in the store, not in a worker; cancelled jobs never run, wherever they are. */
describe('delayed jobs and cancellation', () => {
  const cask = new CaskSystem('delays');

  beforeAll(async () => {
    await cask.startApi({ OUTBOX_POLL_MS: '1000' });
    await cask.startWorker();
  });

  afterAll(() => cask.stop());

  it('keeps a delayed job scheduled until due and runs it within a second after, not before', async () => {
    const dispatched = Date.now();
    const id = await cask.dispatch('demo.flaky', { fail_times: 0 }, { delay_ms: 1500 });
    const early = await cask.get(id);
    expect(early).toMatchObject({ status: 'scheduled', run_at: expect.any(String) });
    const due = Date.parse(early.run_at as string);
    expect(due).toBeGreaterThanOrEqual(dispatched + 1500);

    const [job] = await cask.waitForTerminal([id]);
    expect(job.status).toBe('succeeded');
    expect(at(job, 'running')).toBeGreaterThanOrEqual(due);
    expect(at(job, 'running') - due).toBeLessThan(1000);
  });

  it('takes run_at as an ISO time', async () => {
    const runAt = new Date(Date.now() + 800).toISOString();
    const [job] = await cask.waitForTerminal([await cask.dispatch('demo.flaky', { fail_times: 0 }, { run_at: runAt })]);
    expect(at(job, 'running')).toBeGreaterThanOrEqual(Date.parse(runAt));
  });

  it('never runs a scheduled job that was cancelled', async () => {
    const doomed = await cask.dispatch('demo.flaky', { fail_times: 0 }, { delay_ms: 700 });
    const witness = await cask.dispatch('demo.flaky', { fail_times: 0 }, { delay_ms: 700 });
    const cancel = await cask.post(`/jobs/${doomed}/cancel`, {});
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    // Once the job due at the same time has run, the cancelled one would have too.
    await cask.waitForTerminal([witness]);
    const job = await cask.get(doomed);
    expect(job.status).toBe('cancelled');
    expect(job.history.map((h) => h.status)).toEqual(['cancelled']);
  });

  it('never runs a queued job cancelled while no worker was online', async () => {
    expect(await cask.worker?.stop('SIGTERM')).toBe(0);
    const doomed = await cask.dispatch('email.welcome', { email: 'nope@example.com', name: 'Nope' });
    await waitFor(async () => (await fetch(`${cask.baseUrl}/health/ready`)).status === 200, { what: 'the api to be ready' });
    expect((await cask.post(`/jobs/${doomed}/cancel`, {})).body.status).toBe('cancelled');
    const witness = await cask.dispatch('email.welcome', { email: 'yes@example.com', name: 'Yes' });

    await cask.startWorker();
    await cask.waitForTerminal([witness]);
    const job = await cask.get(doomed);
    expect(job.status).toBe('cancelled');
    expect(job.history.some((h) => h.status === 'running')).toBe(false);
    await cask.worker?.waitForLine(new RegExp(`${doomed}: cancelled; dropping it`));
  });

  it('aborts a running video.process across processes and ends it cancelled within a second', async () => {
    const id = await cask.dispatch('video.process', { url: 'https://example.com/long.mp4', duration_ms: 20_000 });
    await waitFor(async () => (await cask.get(id)).status === 'running', { what: 'the video to start' });
    const asked = Date.now();
    const response = await cask.post(`/jobs/${id}/cancel`, {});
    expect(response.body.status).toBe('cancelled');
    await cask.worker?.waitForLine(new RegExp(`${id}: cancelled while running`), 1000);
    expect(Date.now() - asked).toBeLessThan(1000);
    const job = await cask.get(id);
    expect(job).toMatchObject({ status: 'cancelled', result: null });
  });

  it('answers 409 for cancelling a finished job and 404 for an unknown one', async () => {
    const [done] = await cask.waitForTerminal([await cask.dispatch('demo.flaky', { fail_times: 0 })]);
    expect((await cask.post(`/jobs/${done.job_id}/cancel`, {})).status).toBe(409);
    expect((await cask.post('/jobs/01900000-0000-7000-8000-000000000000/cancel', {})).status).toBe(404);
  });

  it('refuses a delay past 30 days and delay_ms with run_at together', async () => {
    const far = await cask.post('/jobs', { type: 'demo.flaky', payload: { fail_times: 0 }, delay_ms: 31 * 24 * 3600 * 1000 });
    expect(far.status).toBe(400);
    const both = await cask.post('/jobs', {
      type: 'demo.flaky',
      payload: { fail_times: 0 },
      delay_ms: 10,
      run_at: new Date().toISOString(),
    });
    expect(both.status).toBe(400);
    expect(both.body.details).toEqual([expect.objectContaining({ field: 'run_at' })]);
  });
});
