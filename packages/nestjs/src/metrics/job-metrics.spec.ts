import type { JobEvent } from '@cask/contracts';
import { metricValue, parseMetrics } from '@cask/testing';
import { Registry } from 'prom-client';
import { JobMetrics } from './job-metrics';

const ID = '01900000-0000-7000-8000-00000000000';
const base = { series: 1, attempt: 1, worker: 'w1' };
const error = { code: 'boom', message: 'boom', retryable: true };

function event(n: number, kind: JobEvent['kind'], type: string, at: number): JobEvent {
  const common = { ...base, job_id: `${ID}${n}`, type, at };
  switch (kind) {
    case 'succeeded':
      return { ...common, kind, started_at: at, result: null };
    case 'failed':
      return { ...common, kind, error };
    case 'retrying':
      return { ...common, kind, error, next_attempt_at: at + 100 };
    case 'progress':
      return { ...common, kind, progress: 10 };
    default:
      return { ...common, kind: 'started' };
  }
}

describe('JobMetrics', () => {
  let registry: Registry;
  let metrics: JobMetrics;
  const samples = async () => parseMetrics(await registry.metrics());

  beforeEach(() => {
    registry = new Registry();
    metrics = new JobMetrics();
    metrics.registerOn(registry);
  });

  it('counts the outcomes of a committed group by type, only for the events that changed a job', async () => {
    const now = 1_700_000_010_000;
    const events = [
      event(1, 'succeeded', 'email.welcome', now - 50),
      event(2, 'succeeded', 'email.welcome', now - 40),
      event(3, 'failed', 'video.process', now - 30),
      event(4, 'retrying', 'video.process', now - 20),
      event(5, 'started', 'video.process', now - 20),
      event(6, 'succeeded', 'email.welcome', now - 10),
    ];
    // The last success was a duplicate: the store ignored it.
    metrics.committed(events, events.slice(0, 5), now);

    const all = await samples();
    expect(metricValue(all, 'cask_jobs_succeeded_total', { type: 'email.welcome' })).toBe(2);
    expect(metricValue(all, 'cask_jobs_failed_total', { type: 'video.process' })).toBe(1);
    expect(metricValue(all, 'cask_jobs_retried_total', { type: 'video.process' })).toBe(1);
    expect(metricValue(all, 'cask_jobs_succeeded_total', { type: 'video.process' })).toBe(0);
  });

  it('observes one apply lag per group: from its oldest event to the commit', async () => {
    const now = 1_700_000_010_000;
    metrics.committed([event(1, 'succeeded', 'demo.flaky', now - 2_000), event(2, 'succeeded', 'demo.flaky', now - 500)], [], now);
    // A worker clock ahead of the api's is no negative lag.
    metrics.committed([event(3, 'succeeded', 'demo.flaky', now + 1_000)], [], now);

    const all = await samples();
    expect(metricValue(all, 'cask_event_apply_lag_seconds_count')).toBe(2);
    expect(metricValue(all, 'cask_event_apply_lag_seconds_sum')).toBe(2);
    expect(metricValue(all, 'cask_event_apply_lag_seconds_bucket', { le: '2.5' })).toBe(2);
    expect(metricValue(all, 'cask_event_apply_lag_seconds_bucket', { le: '1' })).toBe(1);
  });

  it('counts redrives as retries, and dispatches, cancels and forged messages by their labels', async () => {
    metrics.redriven('demo.flaky', 3);
    metrics.dispatched('video.process', 'video');
    metrics.dispatched('video.process', 'video');
    metrics.cancelled('video.process');
    metrics.forged('event');
    metrics.forged('heartbeat');
    metrics.forged('heartbeat');

    const all = await samples();
    expect(metricValue(all, 'cask_jobs_retried_total', { type: 'demo.flaky' })).toBe(3);
    expect(metricValue(all, 'cask_jobs_dispatched_total', { type: 'video.process', queue: 'video' })).toBe(2);
    expect(metricValue(all, 'cask_jobs_cancelled_total', { type: 'video.process' })).toBe(1);
    expect(metricValue(all, 'cask_forged_messages_total', { kind: 'event' })).toBe(1);
    expect(metricValue(all, 'cask_forged_messages_total', { kind: 'heartbeat' })).toBe(2);
  });
});
