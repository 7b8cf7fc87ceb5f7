import { configErrorOf } from '@cask/testing';
import { JobCatalogue, defineJob } from '@cask/contracts';
import { workerSettings } from '../worker-settings';
import { planPool } from './pool-plan';

class AnyPayload {}
const catalogue = new JobCatalogue([
  defineJob('mail.send', { payload: AnyPayload }),
  defineJob('mail.digest', { payload: AnyPayload, concurrency: 3, rateLimitPerSecond: 20 }),
  defineJob('video.encode', { payload: AnyPayload, queue: 'video', concurrency: 2 }),
  defineJob('video.thumb', { payload: AnyPayload, queue: 'video', concurrency: 1 }),
  defineJob('report.build', { payload: AnyPayload, queue: 'reports' }),
]);

/** `a=1,b=2` as the worker app's environment spells it. */
const named = (text?: string) =>
  Object.fromEntries(
    (text ?? '')
      .split(',')
      .filter(Boolean)
      .map((entry) => [entry.split('=')[0], Number(entry.split('=')[1])]),
  );

/** The plan for options written the way the worker app's environment spells them. */
const plan = (env: Record<string, string> = {}) =>
  planPool(
    workerSettings({
      broker: { url: 'amqp://localhost' },
      concurrency: Number(env.WORKER_CONCURRENCY ?? 8),
      queues: env.WORKER_QUEUES?.split(','),
      typeConcurrency: named(env.WORKER_TYPE_CONCURRENCY),
      rateLimits: named(env.JOB_RATE_LIMITS),
    }),
    catalogue,
  );

describe('planPool', () => {
  it('consumes every queue of the catalogue by default', () => {
    expect(plan().queues).toEqual(['default', 'reports', 'video']);
  });

  it('consumes only the queues WORKER_QUEUES names', () => {
    expect(plan({ WORKER_QUEUES: 'video,reports' }).queues).toEqual(['reports', 'video']);
  });

  it('names every unknown queue and job type in one error', () => {
    const error = configErrorOf(() =>
      plan({ WORKER_QUEUES: 'video,gpu,cpu', WORKER_TYPE_CONCURRENCY: 'video.encode=1,video.decode=2', JOB_RATE_LIMITS: 'mail.spam=1' }),
    );

    expect(error.problems).toEqual([
      'queues: no job is routed to "gpu", "cpu" (queues: default, reports, video)',
      'typeConcurrency: unknown job type(s) "video.decode" (known: mail.digest, mail.send, report.build, video.encode, video.thumb)',
      'rateLimits: unknown job type(s) "mail.spam" (known: mail.digest, mail.send, report.build, video.encode, video.thumb)',
    ]);
  });

  it('takes caps and rates from the definitions, with the environment winning', () => {
    const { typeCaps, rateLimits } = plan({
      WORKER_TYPE_CONCURRENCY: 'video.encode=4,mail.send=5',
      JOB_RATE_LIMITS: 'mail.digest=2,report.build=7',
    });

    expect(Object.fromEntries(typeCaps)).toEqual({ 'mail.send': 5, 'mail.digest': 3, 'video.encode': 4, 'video.thumb': 1 });
    expect(Object.fromEntries(rateLimits)).toEqual({ 'mail.digest': 2, 'report.build': 7 });
  });

  it('leaves out limits of types on queues the worker does not consume', () => {
    const { typeCaps, rateLimits } = plan({ WORKER_QUEUES: 'video' });

    expect(Object.fromEntries(typeCaps)).toEqual({ 'video.encode': 2, 'video.thumb': 1 });
    expect(rateLimits.size).toBe(0);
  });

  it('prefetches no more than the caps can run on a queue whose every type is capped', () => {
    const pool = plan();

    expect(pool.prefetch('video')).toBe(3);
    expect(plan({ WORKER_CONCURRENCY: '2' }).prefetch('video')).toBe(2);
  });

  it('prefetches the worker concurrency on a queue with an uncapped type', () => {
    expect(plan().prefetch('default')).toBe(8);
    expect(plan().prefetch('reports')).toBe(8);
  });
});
