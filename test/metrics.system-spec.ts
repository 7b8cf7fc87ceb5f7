import { CaskSystem, Sample, metricValue, scrapeMetrics, waitFor, workerHealthUrl } from '@cask/testing';
import { topologyFor } from '@cask/contracts';

/**
 * Short, but not zero: with no backoff the next attempt can finish before the api applies the "retrying"
 * event that announced it, which then arrives late and is dropped (README, Guarantees).
 */
const NO_BACKOFF = { type: 'fixed', base_ms: 200, cap_ms: 200, jitter: 0 };

/** Every label value of Cask's own metrics. */
const caskLabelValues = (samples: readonly Sample[]) =>
  samples.filter((s) => s.name.startsWith('cask_')).flatMap((s) => Object.values(s.labels));

/** `GET /metrics` of both apps changes as jobs run through a real api and worker. */
describe('metrics', () => {
  const cask = new CaskSystem('metrics');
  const topology = topologyFor(cask.namespace);
  let workerUrl: string;

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
    workerUrl = (await workerHealthUrl(cask.worker as NonNullable<typeof cask.worker>)).replace(/\/health$/, '');
  });

  afterAll(async () => {
    await cask.stop();
  });

  it('count jobs by type on both apps as they run, time them, and never label anything with a job id', async () => {
    const [apiBefore, workerBefore] = await Promise.all([scrapeMetrics(cask.baseUrl), scrapeMetrics(workerUrl)]);
    expect(metricValue(apiBefore, 'cask_jobs_dispatched_total')).toBe(0);
    expect(metricValue(workerBefore, 'cask_job_executions_total')).toBe(0);
    expect(metricValue(workerBefore, 'cask_broker_connected')).toBe(1);

    const ids = [
      ...(await Promise.all(
        Array.from({ length: 5 }, (_, i) => cask.dispatch('email.welcome', { email: `m${i}@example.com`, name: `M${i}` })),
      )),
      // One retry, then success.
      await cask.dispatch('demo.flaky', { fail_times: 1 }, { backoff: NO_BACKOFF }),
      // One retry, then failure: its attempts run out.
      await cask.dispatch('demo.flaky', { fail_times: 5 }, { backoff: NO_BACKOFF, max_attempts: 2 }),
      // A permanent failure at once: the crash demo is off.
      await cask.dispatch('demo.fault', { mode: 'crash' }),
    ];
    const jobs = await cask.waitForTerminal(ids);
    expect(jobs.map((job) => job.status)).toEqual([...Array(6).fill('succeeded'), 'failed', 'failed']);

    // The api counts a transition once it committed it, a moment after the store shows it.
    const api = await waitFor(
      async () => {
        const samples = await scrapeMetrics(cask.baseUrl);
        return metricValue(samples, 'cask_jobs_succeeded_total') + metricValue(samples, 'cask_jobs_failed_total') === 8 && samples;
      },
      { what: 'the api to count every outcome' },
    );
    expect(metricValue(api, 'cask_jobs_dispatched_total', { type: 'email.welcome', queue: 'default' })).toBe(5);
    expect(metricValue(api, 'cask_jobs_dispatched_total', { type: 'demo.flaky', queue: 'default' })).toBe(2);
    expect(metricValue(api, 'cask_jobs_succeeded_total', { type: 'email.welcome' })).toBe(5);
    expect(metricValue(api, 'cask_jobs_succeeded_total', { type: 'demo.flaky' })).toBe(1);
    expect(metricValue(api, 'cask_jobs_failed_total', { type: 'demo.flaky' })).toBe(1);
    expect(metricValue(api, 'cask_jobs_failed_total', { type: 'demo.fault' })).toBe(1);
    expect(metricValue(api, 'cask_jobs_retried_total', { type: 'demo.flaky' })).toBe(2);
    expect(metricValue(api, 'cask_event_apply_lag_seconds_count')).toBeGreaterThan(0);
    // Confirmed messages leave the outbox in groups, up to 50 ms after their confirm: a job can finish first.
    await waitFor(async () => metricValue(await scrapeMetrics(cask.baseUrl), 'cask_outbox_backlog') === 0, { what: 'the outbox to empty' });

    const worker = await scrapeMetrics(workerUrl);
    expect(metricValue(worker, 'cask_job_executions_total', { type: 'email.welcome', outcome: 'succeeded' })).toBe(5);
    expect(metricValue(worker, 'cask_job_executions_total', { type: 'demo.flaky', outcome: 'retrying' })).toBe(2);
    expect(metricValue(worker, 'cask_job_executions_total', { type: 'demo.flaky', outcome: 'succeeded' })).toBe(1);
    expect(metricValue(worker, 'cask_job_executions_total', { type: 'demo.flaky', outcome: 'failed' })).toBe(1);
    expect(metricValue(worker, 'cask_job_executions_total', { type: 'demo.fault', outcome: 'failed' })).toBe(1);
    expect(metricValue(worker, 'cask_job_duration_seconds_count', { type: 'email.welcome', outcome: 'succeeded' })).toBe(5);
    expect(metricValue(worker, 'cask_job_queue_wait_seconds_count', { type: 'demo.flaky' })).toBe(4);
    expect(metricValue(worker, 'cask_dead_lettered_total', { reason: 'exhausted' })).toBe(1);
    expect(metricValue(worker, 'cask_jobs_in_flight', { queue: 'default' })).toBe(0);

    for (const id of ids) {
      expect(caskLabelValues(api).filter((value) => value.includes(id))).toEqual([]);
      expect(caskLabelValues(worker).filter((value) => value.includes(id))).toEqual([]);
    }
  });

  it('show each queue’s depth and consumers as the broker counts them, and the dead letters stored', async () => {
    // The worker consumes each job queue, the api the event queue and the dead-letter queue, whose letters it stores.
    const api = await waitFor(
      async () => {
        const samples = await scrapeMetrics(cask.baseUrl);
        return metricValue(samples, 'cask_dead_letters', { reason: 'exhausted' }) === 1 && samples;
      },
      { what: 'the stored dead letters to count the exhausted job' },
    );
    expect(metricValue(api, 'cask_queue_consumers', { queue: topology.deadLetterQueue })).toBe(1);
    expect(metricValue(api, 'cask_queue_messages', { queue: topology.deadLetterQueue })).toBe(0);
    expect(metricValue(api, 'cask_queue_consumers', { queue: topology.jobQueue('default') })).toBe(1);
    expect(metricValue(api, 'cask_queue_consumers', { queue: topology.jobQueue('video') })).toBe(1);
    expect(metricValue(api, 'cask_queue_consumers', { queue: topology.eventsQueue })).toBe(1);
    expect(metricValue(api, 'cask_queue_messages', { queue: topology.jobQueue('default') })).toBe(0);
  });

  it('show jobs in flight on the worker while they run', async () => {
    const id = await cask.dispatch('video.process', { url: 'https://example.com/long.mp4', duration_ms: 3_000 });

    await waitFor(async () => metricValue(await scrapeMetrics(workerUrl), 'cask_jobs_in_flight', { queue: 'video' }) === 1, {
      what: 'the video job to show in flight',
    });
    await cask.waitForTerminal([id]);
    expect(metricValue(await scrapeMetrics(workerUrl), 'cask_jobs_in_flight', { queue: 'video' })).toBe(0);
  });
});
