import type { JobEvent, JobStatus } from '@cask/contracts';
import { JobEventBus } from '../events/job-event-bus';
import type { JobRecord, JobTransition } from '../store/job-record';
import type { JobStore } from '../store/job-store';
import { EventId, parseEventId } from './event-id';
import { JobEventStream } from './job-event-stream';
import type { SseEvent, SseSink } from './sse-response';

const JOB = '01890000-0000-7000-8000-000000000001';
const OTHER = '01890000-0000-7000-8000-000000000002';
const POLL_MS = 1_000;
const TERMINAL: JobStatus[] = ['succeeded', 'failed', 'cancelled'];

function record(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: JOB,
    type: 'video.process',
    queue: 'video',
    status: 'queued',
    payload: {},
    result: null,
    error: null,
    progress: null,
    attempts: 0,
    maxAttempts: 3,
    priority: 0,
    worker: null,
    createdAt: 1_000,
    updatedAt: 1_000,
    startedAt: null,
    finishedAt: null,
    series: 1,
    nextAttemptAt: null,
    backoff: { type: 'fixed', baseMs: 0, capMs: 0, jitter: 0 },
    timeoutMs: 60_000,
    runAt: null,
    schedule: null,
    tenant: 'default',
    ...overrides,
  } as JobRecord;
}

/** The part of the store a stream reads, applying events as the real one does (forward only). */
class FakeStore {
  job?: JobRecord = record();
  transitions: JobTransition[] = [];
  reads = 0;
  failing = false;
  /** Runs once, as the next history read returns (what it commits is not in that read): a commit racing the stream's read. */
  afterHistory?: () => void;

  async get(id: string): Promise<JobRecord | undefined> {
    this.reads += 1;
    if (this.failing) throw new Error('database is locked');
    return id === this.job?.id ? { ...this.job } : undefined;
  }

  async history(id: string): Promise<JobTransition[]> {
    const read = id === this.job?.id ? this.transitions.map((t) => ({ ...t })) : [];
    const hook = this.afterHistory;
    this.afterHistory = undefined;
    hook?.();
    return read;
  }

  apply(event: JobEvent): void {
    const job = this.job as JobRecord;
    if (event.series !== job.series || TERMINAL.includes(job.status)) return;
    job.updatedAt = event.at;
    if (event.kind === 'progress') {
      job.progress = event.progress;
      return;
    }
    const status = ({ started: 'running', retrying: 'retrying', succeeded: 'succeeded', failed: 'failed' } as const)[event.kind];
    job.status = status;
    job.attempts = Math.max(job.attempts, event.attempt);
    if (event.kind === 'succeeded') job.result = event.result;
    if (event.kind === 'retrying') job.nextAttemptAt = event.next_attempt_at;
    const error = event.kind === 'retrying' || event.kind === 'failed' ? event.error : null;
    this.transitions.push({ series: event.series, attempt: event.attempt, status, at: event.at, worker: event.worker, error });
  }

  transition(series: number, attempt: number, status: JobStatus, at: number): void {
    this.transitions.push({ series, attempt, status, at, worker: null, error: null });
  }
}

class FakeSink implements SseSink {
  readonly events: SseEvent[] = [];
  ended = false;

  send(event: SseEvent): void {
    if (this.ended) throw new Error(`sent ${event.event} after the end`);
    this.events.push(event);
  }

  end(): void {
    this.ended = true;
  }

  names(): string[] {
    return this.events.map((e) => e.event);
  }

  ids(): string[] {
    return this.events.filter((e) => e.id !== undefined).map((e) => e.id as string);
  }

  data(name: string): Array<Record<string, unknown>> {
    return this.events.filter((e) => e.event === name).map((e) => e.data as Record<string, unknown>);
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('JobEventStream', () => {
  let store: FakeStore;
  let bus: JobEventBus;
  let listeners: number;
  let sink: FakeSink;
  let at: number;

  /** A worker event as the consumer applies it: committed, then published on this instance's bus. */
  const commit = (event: Partial<JobEvent> & Pick<JobEvent, 'kind'>, options: { publish?: boolean } = {}) => {
    at += 10;
    const full = { job_id: JOB, type: 'video.process', series: 1, attempt: 1, at, worker: 'w-1', ...event } as JobEvent;
    store.apply(full);
    if (options.publish !== false) bus.publish({ source: 'worker', event: full });
  };

  const stream = (after?: string) =>
    new JobEventStream(
      JOB,
      after === undefined ? undefined : (parseEventId(after) as EventId),
      store as unknown as JobStore,
      bus,
      POLL_MS,
      'default',
    );

  const started = async (after?: string) => {
    const live = stream(after);
    expect(await live.open()).toBe('ready');
    live.run(sink);
    await flush();
    return live;
  };

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    store = new FakeStore();
    bus = new JobEventBus();
    listeners = 0;
    const subscribe = bus.subscribe.bind(bus);
    jest.spyOn(bus, 'subscribe').mockImplementation((listener) => {
      listeners += 1;
      const off = subscribe(listener);
      return () => {
        listeners -= 1;
        off();
      };
    });
    sink = new FakeSink();
    at = 10_000;
  });

  afterEach(() => jest.useRealTimers());

  it('answers missing for an unknown job and lets go of the bus', async () => {
    store.job = undefined;
    expect(await stream().open()).toBe('missing');
    expect(listeners).toBe(0);
  });

  it("answers missing for another tenant's job, exactly as for an unknown one", async () => {
    store.job = record({ tenant: 'acme' });
    expect(await stream().open()).toBe('missing');
    expect(listeners).toBe(0);
  });

  it('replays a finished job in event order, then its result, and ends', async () => {
    commit({ kind: 'started' });
    commit({ kind: 'progress', progress: 50 });
    commit({ kind: 'retrying', error: { code: 'flaky', message: 'no', retryable: true }, next_attempt_at: 99_000 });
    commit({ kind: 'started', attempt: 2 });
    commit({ kind: 'progress', attempt: 2, progress: 100 });
    commit({ kind: 'succeeded', attempt: 2, started_at: at, result: { frames: 30 } });

    await started();

    expect(sink.names()).toEqual(['snapshot', 'status', 'status', 'status', 'status', 'result']);
    expect(sink.ids()).toEqual(['1.1.2', '1.1.3', '1.2.2', '1.2.4']);
    expect(sink.data('snapshot')[0]).toMatchObject({ job_id: JOB, status: 'succeeded', progress: 100 });
    expect(sink.data('status')[1]).toMatchObject({ status: 'retrying', attempt: 1, error: { code: 'flaky' } });
    expect(sink.data('result')).toEqual([
      expect.objectContaining({ job_id: JOB, status: 'succeeded', attempts: 2, result: { frames: 30 }, error: null }),
    ]);
    expect(sink.ended).toBe(true);
    expect(listeners).toBe(0);
  });

  it('resumes after Last-Event-ID with exactly the changes after it, then continues live to the end', async () => {
    commit({ kind: 'started' });
    commit({ kind: 'retrying', error: { code: 'flaky', message: 'no', retryable: true }, next_attempt_at: 99_000 });
    commit({ kind: 'started', attempt: 2 });

    await started('1.1.3');
    expect(sink.ids()).toEqual(['1.2.2']);

    commit({ kind: 'succeeded', attempt: 2, started_at: at, result: 'done' });
    await flush();

    expect(sink.ids()).toEqual(['1.2.2', '1.2.4']);
    expect(sink.names().slice(-2)).toEqual(['status', 'result']);
    expect(sink.ended).toBe(true);
    expect(listeners).toBe(0);
  });

  it('answers caught-up when Last-Event-ID is already the last change of a finished job, and not before', async () => {
    commit({ kind: 'started' });
    commit({ kind: 'failed', error: { code: 'bad', message: 'no', retryable: false } });
    expect(await stream('1.1.4').open()).toBe('caught-up');
    expect(listeners).toBe(0);
    expect(await stream('1.1.2').open()).toBe('ready');
  });

  it('replays everything for a Last-Event-ID past anything the job has had', async () => {
    commit({ kind: 'started' });
    commit({ kind: 'failed', error: { code: 'bad', message: 'no', retryable: false } });

    await started('2.0.1');

    expect(sink.ids()).toEqual(['1.1.2', '1.1.4']);
    expect(sink.ended).toBe(true);
  });

  it('sends once a change committed while its first read is in flight', async () => {
    store.afterHistory = () => commit({ kind: 'started' });

    await started();
    commit({ kind: 'progress', progress: 40 });
    await flush();

    expect(sink.names()).toEqual(['snapshot', 'status', 'progress']);
    expect(sink.ids()).toEqual(['1.1.2']);
  });

  it('sends a change committed between opening and running', async () => {
    const live = stream();
    await live.open();
    commit({ kind: 'started' });
    live.run(sink);
    await flush();

    expect(sink.ids()).toEqual(['1.1.2']);
    expect(sink.data('snapshot')[0]).toMatchObject({ status: 'queued' });
  });

  it('picks up changes another api instance applied by polling the store, and ends with them', async () => {
    await started();
    commit({ kind: 'started' }, { publish: false });
    commit({ kind: 'progress', progress: 70 }, { publish: false });
    expect(sink.ids()).toEqual([]);

    await jest.advanceTimersByTimeAsync(POLL_MS);
    expect(sink.names()).toEqual(['snapshot', 'status', 'progress']);

    commit({ kind: 'succeeded', started_at: at, result: 1 }, { publish: false });
    await jest.advanceTimersByTimeAsync(POLL_MS);
    expect(sink.ids()).toEqual(['1.1.2', '1.1.4']);
    expect(sink.ended).toBe(true);
  });

  it('sends a change once when both the bus and a poll report it, and skips the history while nothing changed', async () => {
    await started();
    commit({ kind: 'started' });
    await jest.advanceTimersByTimeAsync(POLL_MS);
    const historyReads = jest.spyOn(store, 'history');
    await jest.advanceTimersByTimeAsync(3 * POLL_MS);

    expect(sink.ids()).toEqual(['1.1.2']);
    expect(historyReads).not.toHaveBeenCalled();
  });

  it('sends each progress value once, in order, with the last one before the outcome', async () => {
    await started();
    commit({ kind: 'started' });
    for (const progress of [10, 20, 20, 30]) commit({ kind: 'progress', progress });
    await jest.advanceTimersByTimeAsync(POLL_MS);
    commit({ kind: 'progress', progress: 100 }, { publish: false });
    commit({ kind: 'succeeded', started_at: at, result: 'ok' });
    await flush();

    expect(sink.names()).toEqual(['snapshot', 'status', 'progress', 'progress', 'progress', 'progress', 'status', 'result']);
    expect(sink.data('progress').map((d) => d.progress)).toEqual([10, 20, 30, 100]);
    expect(sink.data('progress')[0]).toMatchObject({ job_id: JOB, attempt: 1, series: 1 });
  });

  it('ends on the late outcome of an earlier attempt that lands after a later attempt started', async () => {
    await started();
    commit({ kind: 'started' });
    commit({ kind: 'started', attempt: 2 });
    await flush();
    commit({ kind: 'succeeded', attempt: 1, started_at: at, result: 'from attempt 1' });
    await flush();

    expect(sink.ids()).toEqual(['1.1.2', '1.2.2', '1.1.4']);
    expect(sink.data('result')[0]).toMatchObject({ status: 'succeeded', result: 'from attempt 1' });
    expect(sink.ended).toBe(true);
  });

  it('keeps streaming a redriven job: the earlier series ending does not end the stream', async () => {
    store.transition(1, 1, 'running', 100);
    store.transition(1, 1, 'failed', 200);
    store.transition(2, 0, 'queued', 300);
    store.job = record({ series: 2, status: 'queued', attempts: 0 });

    await started();
    expect(sink.ids()).toEqual(['1.1.2', '1.1.4', '2.0.1']);
    expect(sink.ended).toBe(false);

    commit({ kind: 'started', series: 2 });
    commit({ kind: 'succeeded', series: 2, started_at: at, result: 'second time' });
    await flush();
    expect(sink.ids()).toEqual(['1.1.2', '1.1.4', '2.0.1', '2.1.2', '2.1.4']);
    expect(sink.ended).toBe(true);
  });

  it('syncs on the api’s own changes, such as a cancel, and ignores other jobs', async () => {
    await started();
    bus.publish({ source: 'api', job_id: OTHER, type: 'video.process', status: 'cancelled', series: 1, at: 1, tenant: 'default' });
    await flush();
    expect(sink.names()).toEqual(['snapshot']);

    store.transition(1, 0, 'cancelled', 500);
    Object.assign(store.job as JobRecord, { status: 'cancelled', updatedAt: 500, finishedAt: 500 });
    bus.publish({ source: 'api', job_id: JOB, type: 'video.process', status: 'cancelled', series: 1, at: 500, tenant: 'default' });
    await flush();

    expect(sink.ids()).toEqual(['1.0.4']);
    expect(sink.data('result')[0]).toMatchObject({ status: 'cancelled' });
    expect(sink.ended).toBe(true);
  });

  it('gives a retry its next attempt time', async () => {
    await started();
    commit({ kind: 'started' });
    commit({ kind: 'retrying', error: { code: 'flaky', message: 'no', retryable: true }, next_attempt_at: Date.UTC(2030, 0, 1) });
    await flush();

    expect(sink.data('status')[1]).toMatchObject({ status: 'retrying', next_attempt_at: '2030-01-01T00:00:00.000Z' });
  });

  it('stops reading the store and listening once the client leaves', async () => {
    const live = await started();
    live.close();
    const reads = store.reads;
    commit({ kind: 'started' });
    await jest.advanceTimersByTimeAsync(5 * POLL_MS);

    expect(store.reads).toBe(reads);
    expect(listeners).toBe(0);
    expect(sink.names()).toEqual(['snapshot']);
  });

  it('ends the stream when the store cannot be read, so the client resumes later', async () => {
    await started();
    store.failing = true;
    await jest.advanceTimersByTimeAsync(POLL_MS);

    expect(sink.ended).toBe(true);
    expect(listeners).toBe(0);
    expect(sink.names()).toEqual(['snapshot']);
  });
});
