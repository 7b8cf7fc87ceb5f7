import { JobEventBus } from '../events/job-event-bus';
import { AllJobsEventStream } from './all-jobs-event-stream';
import type { SseEvent } from './sse-response';

const JOB = '01890000-0000-7000-8000-000000000001';
const base = { job_id: JOB, series: 1, attempt: 2, at: Date.UTC(2030, 0, 1), worker: 'w-1' };

describe('AllJobsEventStream', () => {
  const run = (types?: string[]) => {
    const bus = new JobEventBus();
    const events: SseEvent[] = [];
    const stream = new AllJobsEventStream(bus, 'default', types && new Set(types));
    stream.run({ send: (event) => events.push(event), end: () => undefined });
    return { bus, events, stream };
  };

  it('sends worker status changes and progress with the job and its type', () => {
    const { bus, events } = run();
    bus.publish({ source: 'worker', event: { ...base, type: 'demo.flaky', kind: 'started' } });
    bus.publish({ source: 'worker', event: { ...base, type: 'demo.flaky', kind: 'progress', progress: { step: 2 } } });
    bus.publish({
      source: 'worker',
      event: {
        ...base,
        type: 'demo.flaky',
        kind: 'retrying',
        error: { code: 'flaky', message: 'no', retryable: true },
        next_attempt_at: Date.UTC(2030, 0, 2),
      },
    });

    expect(events).toEqual([
      {
        event: 'status',
        data: expect.objectContaining({
          job_id: JOB,
          type: 'demo.flaky',
          status: 'running',
          attempt: 2,
          at: '2030-01-01T00:00:00.000Z',
          worker: 'w-1',
        }),
      },
      {
        event: 'progress',
        data: { job_id: JOB, type: 'demo.flaky', series: 1, attempt: 2, at: '2030-01-01T00:00:00.000Z', progress: { step: 2 } },
      },
      {
        event: 'status',
        data: expect.objectContaining({
          status: 'retrying',
          error: { code: 'flaky', message: 'no', retryable: true },
          next_attempt_at: '2030-01-02T00:00:00.000Z',
        }),
      },
    ]);
    expect(events.every((event) => event.id === undefined)).toBe(true);
  });

  it('sends the api’s own changes; a cancel names no attempt', () => {
    const { bus, events } = run();
    bus.publish({ source: 'api', job_id: JOB, type: 'email.welcome', status: 'queued', series: 2, at: 0, tenant: 'default' });
    bus.publish({ source: 'api', job_id: JOB, type: 'email.welcome', status: 'cancelled', series: 2, at: 0, tenant: 'default' });
    expect(
      events.map((event) => [event.event, (event.data as { status: string }).status, (event.data as { attempt: unknown }).attempt]),
    ).toEqual([
      ['status', 'queued', 0],
      ['status', 'cancelled', null],
    ]);
  });

  it('sends only the requested types', () => {
    const { bus, events } = run(['demo.flaky', 'video.process']);
    for (const type of ['email.welcome', 'demo.flaky', 'video.process'])
      bus.publish({ source: 'worker', event: { ...base, type, kind: 'started' } });
    bus.publish({ source: 'api', job_id: JOB, type: 'email.welcome', status: 'queued', series: 1, at: 0, tenant: 'default' });
    expect(events.map((event) => (event.data as { type: string }).type)).toEqual(['demo.flaky', 'video.process']);
  });

  it("sends only the caller's tenant's jobs, from workers and from the api", () => {
    const { bus, events } = run();
    bus.publish({ source: 'worker', event: { ...base, type: 'demo.flaky', kind: 'started', tenant: 'acme' } });
    bus.publish({ source: 'api', job_id: JOB, type: 'email.welcome', status: 'cancelled', series: 1, at: 0, tenant: 'acme' });
    bus.publish({ source: 'worker', event: { ...base, type: 'video.process', kind: 'started' } });
    expect(events.map((event) => (event.data as { type: string }).type)).toEqual(['video.process']);
  });

  it('stops listening once closed', () => {
    const { bus, events, stream } = run();
    stream.close();
    bus.publish({ source: 'worker', event: { ...base, type: 'demo.flaky', kind: 'started' } });
    expect(events).toEqual([]);
  });
});
