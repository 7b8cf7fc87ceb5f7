import {
  BackoffPolicy,
  JobError,
  JobFailedEvent,
  JobProgress,
  JobProgressEvent,
  JobRetryingEvent,
  JobStartedEvent,
  JobStatus,
  JobSucceededEvent,
} from '@cask/contracts';
import { TestStores, storeBackends, waitFor } from '@cask/testing';
import { v7 as uuidv7 } from 'uuid';
import { IdempotencyClaim, JobRecord, JobTransition, NewJob, OutboxMessage, UniqueClaim } from './job-record';
import type { JobStore } from './job-store';

const T0 = 1_700_000_000_000;
const WORKER = 'worker-1';
const BACKOFF: BackoffPolicy = { type: 'exponential', baseMs: 500, capMs: 60_000, jitter: 0.1 };

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    id: uuidv7(),
    type: 'email.welcome',
    queue: 'default',
    status: 'queued',
    payload: { email: 'ada@example.com', name: 'Ada' },
    maxAttempts: 3,
    priority: 0,
    createdAt: T0,
    backoff: BACKOFF,
    timeoutMs: 30_000,
    ...overrides,
  };
}

/** The message committed with a job; its body is opaque to the store. */
function messageFor(
  job: { id: string; queue: string; priority: number; series?: number },
  overrides: Partial<OutboxMessage> = {},
): OutboxMessage {
  return {
    id: uuidv7(),
    jobId: job.id,
    routingKey: job.queue,
    body: JSON.stringify({ id: job.id, series: job.series ?? 1 }),
    priority: job.priority,
    createdAt: T0,
    target: 'jobs',
    ...overrides,
  };
}

/**
 * The write was refused for a duplicate key. Not `rejects.toThrow()`: better-sqlite3 registers its error
 * class once per process, so under Jest a SQLite error can come from the realm of another test file run
 * earlier in the same worker and fail `instanceof Error` here, which `toThrow` reads as "did not throw".
 */
async function expectKeyViolation(write: Promise<unknown>): Promise<void> {
  // SQLite: SQLITE_CONSTRAINT_PRIMARYKEY or _UNIQUE; PostgreSQL: 23505 unique_violation.
  await expect(write).rejects.toMatchObject({ code: expect.stringMatching(/^(SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)|23505)$/) });
}

function uniqueClaim(key: string, overrides: Partial<UniqueClaim> = {}): UniqueClaim {
  return { key, mode: 'drop', ...overrides };
}

/** A debounce claim whose replacement message for the holder is recorded, as the dispatcher builds it. */
function debounceClaim(key: string, job: NewJob): UniqueClaim & { replaced: jest.Mock } {
  const replaced = jest.fn((holder: { id: string; createdAt: number }) =>
    messageFor(
      { ...job, id: holder.id },
      { availableAt: job.runAt ?? undefined, body: JSON.stringify({ id: holder.id, payload: job.payload }) },
    ),
  );
  return { key, mode: 'debounce', expiresAt: job.runAt ?? undefined, replacement: replaced, replaced };
}

function keyClaim(key: string, overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim {
  return { key, requestHash: `hash-of-${key}`, expiresAt: T0 + 60_000, ...overrides };
}

interface EventOptions {
  attempt?: number;
  series?: number;
  at?: number;
  worker?: string;
}

function eventBase(jobId: string, options: EventOptions, defaultAt: number) {
  return {
    job_id: jobId,
    type: 'email.welcome',
    series: options.series ?? 1,
    attempt: options.attempt ?? 1,
    at: options.at ?? defaultAt,
    worker: options.worker ?? WORKER,
  };
}

function started(jobId: string, options: EventOptions = {}): JobStartedEvent {
  return { kind: 'started', ...eventBase(jobId, options, T0 + 100) };
}

function progress(jobId: string, value: JobProgress, options: EventOptions = {}): JobProgressEvent {
  return { kind: 'progress', ...eventBase(jobId, options, T0 + 150), progress: value };
}

function succeeded(jobId: string, result: unknown, options: EventOptions & { startedAt?: number } = {}): JobSucceededEvent {
  return { kind: 'succeeded', ...eventBase(jobId, options, T0 + 200), started_at: options.startedAt ?? T0 + 100, result };
}

/** The outcome of an attempt that ended before its `started` event was due, so none was sent. */
function startUnreported<T extends JobSucceededEvent | JobRetryingEvent | JobFailedEvent>(event: T): T {
  return { ...event, start_unreported: true };
}

const TIMED_OUT: JobError = { code: 'timeout', message: 'attempt ran past 30000 ms', retryable: true };

function retrying(
  jobId: string,
  options: EventOptions & { startedAt?: number; error?: JobError; nextAttemptAt?: number } = {},
): JobRetryingEvent {
  return {
    kind: 'retrying',
    ...eventBase(jobId, options, T0 + 300),
    started_at: options.startedAt ?? T0 + 100,
    error: options.error ?? TIMED_OUT,
    next_attempt_at: options.nextAttemptAt ?? T0 + 1300,
  };
}

const BOUNCED: JobError = { code: 'permanent', message: 'mailbox does not exist', retryable: false };

function failed(jobId: string, options: EventOptions & { error?: JobError } = {}): JobFailedEvent {
  return { kind: 'failed', ...eventBase(jobId, options, T0 + 300), started_at: T0 + 100, error: options.error ?? BOUNCED };
}

function transition(
  status: JobStatus,
  at: number,
  options: { series?: number; attempt?: number; worker?: string | null; error?: JobError | null } = {},
): JobTransition {
  return {
    series: options.series ?? 1,
    attempt: options.attempt ?? 1,
    status,
    at,
    worker: options.worker === undefined ? WORKER : options.worker,
    error: options.error ?? null,
  };
}

/** A redrive message builder that the test can ask what it was called with. */
function redriveMessage() {
  return jest.fn((job: JobRecord) => messageFor(job, { createdAt: Date.now() }));
}

describe.each(storeBackends(2))('$name', (backend) => {
  let store: TestStores;

  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());

  beforeEach(async () => {
    await backend.reset();
    store = backend.open();
    await store.migrate();
  });

  afterEach(() => store.close());

  /** Creates a job with its message and returns its id. */
  async function given(overrides: Partial<NewJob> = {}): Promise<string> {
    const job = newJob(overrides);
    expect(await store.createJob(job, messageFor(job))).toEqual({ created: true });
    return job.id;
  }

  /** A job that ran once and failed for good. */
  async function givenFailed(overrides: Partial<NewJob> = {}): Promise<string> {
    const id = await given(overrides);
    await store.applyEvents([started(id), failed(id)]);
    return id;
  }

  async function mustGet(id: string): Promise<JobRecord> {
    const record = await store.get(id);
    if (!record) throw new Error(`job ${id} is not in the store`);
    return record;
  }

  /** Every due outbox message, claimed with no lease so that they stay due. */
  async function dueMessages(): Promise<OutboxMessage[]> {
    return store.claimOutbox(1000, 0);
  }

  const ids = (records: Array<{ id: string }>) => records.map((record) => record.id);

  describe('migrate', () => {
    it('runs again on a migrated database, from another instance, and keeps its jobs', async () => {
      const id = await given();
      const second = backend.open();
      try {
        await second.migrate();
        await second.migrate();
        expect(await second.get(id)).toMatchObject({ id, status: 'queued' });
      } finally {
        await second.close();
      }
    });
  });

  describe('createJob and get', () => {
    it('returns a created job with its payload, settings, times as numbers, series 1, no attempts yet and status queued', async () => {
      const job = newJob({ payload: { email: 'ada@example.com', name: 'Ada', tags: ['a', 'b'], nested: { n: 1 } }, priority: 7 });

      expect(await store.createJob(job, messageFor(job))).toEqual({ created: true });

      expect(await store.get(job.id)).toEqual({
        id: job.id,
        type: 'email.welcome',
        queue: 'default',
        status: 'queued',
        payload: { email: 'ada@example.com', name: 'Ada', tags: ['a', 'b'], nested: { n: 1 } },
        result: null,
        error: null,
        progress: null,
        attempts: 0,
        maxAttempts: 3,
        priority: 7,
        worker: null,
        createdAt: T0,
        updatedAt: T0,
        startedAt: null,
        finishedAt: null,
        series: 1,
        nextAttemptAt: null,
        backoff: BACKOFF,
        timeoutMs: 30_000,
        runAt: null,
        schedule: null,
        tenant: 'default',
        group: null,
        flowId: null,
        trace: null,
      });
    });

    it('returns undefined for an id it never stored', async () => {
      await given();

      expect(await store.get(uuidv7())).toBeUndefined();
    });

    it('commits the job message with the job, as given', async () => {
      const job = newJob({ queue: 'video', type: 'video.process', priority: 5 });
      const message = messageFor(job);

      await store.createJob(job, message);

      expect(await store.outboxBacklog()).toBe(1);
      expect(await dueMessages()).toEqual([message]);
    });

    it('keeps the id of the request that dispatched the job with its message, for a later publish', async () => {
      const job = newJob();
      await store.createJob(job, messageFor(job, { requestId: 'checkout-42' }));
      const items = [newJob(), newJob()].map((other, i) => ({
        job: other,
        message: messageFor(other, { requestId: i === 0 ? 'req:batch.1' : undefined }),
      }));
      await store.createJobs(items);

      const byJob = new Map((await dueMessages()).map((message) => [message.jobId, message.requestId]));
      expect(byJob.get(job.id)).toBe('checkout-42');
      expect(byJob.get(items[0].job.id)).toBe('req:batch.1');
      expect(byJob.get(items[1].job.id)).toBeUndefined();
    });

    it("keeps the trace context of the job's dispatch with the job and its message, on one statement or many", async () => {
      const trace = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'k=v' };
      const job = newJob({ trace });
      await store.createJob(job, messageFor(job, { trace }));
      const items = [newJob({ trace }), newJob()].map((other) => ({
        job: other,
        message: messageFor(other, { trace: other.trace ?? undefined }),
      }));
      await store.createJobs(items);

      const byJob = new Map((await dueMessages()).map((message) => [message.jobId, message.trace]));
      expect([byJob.get(job.id), byJob.get(items[0].job.id), byJob.get(items[1].job.id)]).toEqual([trace, trace, undefined]);
      expect((await store.get(job.id))?.trace).toEqual(trace);
      expect((await store.get(items[1].job.id))?.trace).toBeNull();
    });

    it('writes neither job nor message when the message cannot be stored', async () => {
      const first = newJob();
      const message = messageFor(first);
      await store.createJob(first, message);
      const second = newJob();

      await expectKeyViolation(store.createJob(second, { ...messageFor(second), id: message.id }));

      expect(await store.get(second.id)).toBeUndefined();
      expect(await store.outboxBacklog()).toBe(1);
    });

    it('writes no second message when the job id is already taken', async () => {
      const job = newJob();
      await store.createJob(job, messageFor(job));

      await expectKeyViolation(store.createJob({ ...job, type: 'video.process' }, messageFor(job)));

      expect(await mustGet(job.id)).toMatchObject({ type: 'email.welcome' });
      expect(await store.outboxBacklog()).toBe(1);
    });
  });

  describe('createJobs', () => {
    /** Jobs of one batch, each with its message. */
    function batch(count: number) {
      return Array.from({ length: count }, (_, i) => {
        const job = newJob({ payload: { n: i } });
        return { job, message: messageFor(job) };
      });
    }

    it('commits every job with its message, each readable as created', async () => {
      const items = batch(3);

      await store.createJobs(items);

      for (const { job } of items)
        expect(await mustGet(job.id)).toMatchObject({ id: job.id, status: 'queued', payload: job.payload, attempts: 0, series: 1 });
      expect(await store.outboxBacklog()).toBe(3);
      expect(ids(await dueMessages()).sort()).toEqual(items.map(({ message }) => message.id).sort());
    });

    it('commits a batch larger than one statement takes', async () => {
      const items = batch(450);

      await store.createJobs(items);

      expect(ids(await store.list({ tenant: 'default', limit: 1000 })).sort()).toEqual(items.map(({ job }) => job.id).sort());
      expect(await store.outboxBacklog()).toBe(450);
    });

    it('writes nothing when one item cannot be stored, even in a later chunk', async () => {
      const existing = newJob();
      const taken = messageFor(existing);
      await store.createJob(existing, taken);
      const items = batch(350);
      items[320] = { ...items[320], message: { ...items[320].message, id: taken.id } };

      await expectKeyViolation(store.createJobs(items));

      expect(ids(await store.list({ tenant: 'default', limit: 1000 }))).toEqual([existing.id]);
      expect(await store.outboxBacklog()).toBe(1);
    });

    it('writes nothing for an empty batch', async () => {
      await store.createJobs([]);

      expect(await store.list({ tenant: 'default', limit: 10 })).toEqual([]);
      expect(await store.outboxBacklog()).toBe(0);
    });
  });

  describe('delayed and scheduled jobs', () => {
    it('returns the run time and schedule a job was created with', async () => {
      const runAt = Date.now() + 60_000;
      const job = newJob({ status: 'scheduled', runAt, schedule: 'nightly-report' });

      await store.createJob(job, messageFor(job, { availableAt: runAt }));

      expect(await mustGet(job.id)).toMatchObject({ status: 'scheduled', runAt, schedule: 'nightly-report' });
    });

    it('returns the run time and schedule of jobs created in a batch', async () => {
      const delayed = newJob({ status: 'scheduled', runAt: T0 + 90_000 });
      const fromSchedule = newJob({ schedule: 'hourly-digest' });

      await store.createJobs([
        { job: delayed, message: messageFor(delayed, { availableAt: T0 + 90_000 }) },
        { job: fromSchedule, message: messageFor(fromSchedule) },
      ]);

      expect(await mustGet(delayed.id)).toMatchObject({ status: 'scheduled', runAt: T0 + 90_000, schedule: null });
      expect(await mustGet(fromSchedule.id)).toMatchObject({ status: 'queued', runAt: null, schedule: 'hourly-digest' });
    });

    it('keeps a delayed job message out of claims until its run time', async () => {
      const job = newJob({ status: 'scheduled', runAt: Date.now() + 60_000 });

      await store.createJob(job, messageFor(job, { availableAt: job.runAt! }));

      expect(await store.claimOutbox(10, 30_000)).toEqual([]);
      expect(await store.outboxBacklog()).toBe(1);
    });
  });

  describe('idempotency keys', () => {
    it('answers a key seen before with the job it created and its request hash, writing nothing', async () => {
      const first = newJob();
      await store.createJob(first, messageFor(first), keyClaim('order-42', { requestHash: 'h1' }));
      const second = newJob({ createdAt: T0 + 1000 });

      const outcome = await store.createJob(second, messageFor(second), keyClaim('order-42', { requestHash: 'h2' }));

      expect(outcome).toEqual({ created: false, jobId: first.id, requestHash: 'h1' });
      expect(await store.get(second.id)).toBeUndefined();
      expect(await store.outboxBacklog()).toBe(1);
      expect(ids(await store.list({ tenant: 'default', limit: 10 }))).toEqual([first.id]);
    });

    it('creates one job per distinct key', async () => {
      const a = newJob();
      const b = newJob();

      const outcomes = [
        await store.createJob(a, messageFor(a), keyClaim('key-a')),
        await store.createJob(b, messageFor(b), keyClaim('key-b')),
      ];

      expect(outcomes).toEqual([{ created: true }, { created: true }]);
      expect(ids(await store.list({ tenant: 'default', limit: 10 }))).toEqual([b.id, a.id]);
    });

    it('replaces an expired key: a new job is created and the key answers with it from then on', async () => {
      const first = newJob();
      await store.createJob(first, messageFor(first), keyClaim('order-42', { requestHash: 'h1', expiresAt: T0 + 1000 }));
      const second = newJob({ createdAt: T0 + 1000 });

      const replaced = await store.createJob(second, messageFor(second), keyClaim('order-42', { requestHash: 'h2', expiresAt: T0 + 5000 }));
      const third = newJob({ createdAt: T0 + 2000 });
      const again = await store.createJob(third, messageFor(third), keyClaim('order-42', { requestHash: 'h3' }));

      expect(replaced).toEqual({ created: true });
      expect(again).toEqual({ created: false, jobId: second.id, requestHash: 'h2' });
      expect(ids(await store.list({ tenant: 'default', limit: 10 }))).toEqual([second.id, first.id]);
      expect(await store.outboxBacklog()).toBe(2);
    });

    it('does not remember a key whose job failed to commit', async () => {
      const first = newJob();
      const taken = messageFor(first);
      await store.createJob(first, taken);
      const failing = newJob();

      await expectKeyViolation(store.createJob(failing, { ...messageFor(failing), id: taken.id }, keyClaim('order-42')));
      const retried = newJob();
      const outcome = await store.createJob(retried, messageFor(retried), keyClaim('order-42'));

      expect(outcome).toEqual({ created: true });
      expect(await store.get(retried.id)).toMatchObject({ id: retried.id });
    });

    it('reports the error, not the expired job, when replacing an expired key fails', async () => {
      const first = newJob();
      const taken = messageFor(first);
      await store.createJob(first, taken, keyClaim('order-42', { expiresAt: T0 + 1000 }));
      const second = newJob({ createdAt: T0 + 5000 });

      await expectKeyViolation(store.createJob(second, { ...messageFor(second), id: taken.id }, keyClaim('order-42')));
    });

    it('creates exactly one job when ten requests race with one key, and answers all of them with it', async () => {
      const jobs = Array.from({ length: 10 }, () => newJob());

      const outcomes = await Promise.all(
        jobs.map((job) => store.createJob(job, messageFor(job), keyClaim('race', { requestHash: 'same' }))),
      );

      const listed = await store.list({ tenant: 'default', limit: 100 });
      expect(listed).toHaveLength(1);
      const winner = listed[0].id;
      expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
      expect(outcomes[jobs.findIndex((job) => job.id === winner)]).toEqual({ created: true });
      expect(outcomes.filter((outcome) => !outcome.created)).toEqual(Array(9).fill({ created: false, jobId: winner, requestHash: 'same' }));
      expect(await store.outboxBacklog()).toBe(1);
    });
  });

  describe('unique keys', () => {
    it('drop: answers the job holding the key while it waits or runs, writing nothing; a new job once it finished', async () => {
      const first = newJob();
      expect(await store.createJob(first, messageFor(first), undefined, uniqueClaim('k'))).toEqual({ created: true });
      const second = newJob({ createdAt: T0 + 10 });
      const whileQueued = await store.createJob(second, messageFor(second), undefined, uniqueClaim('k'));
      await store.applyEvents([started(first.id)]);
      const third = newJob({ createdAt: T0 + 20 });
      const whileRunning = await store.createJob(third, messageFor(third), undefined, uniqueClaim('k'));
      await store.applyEvents([succeeded(first.id, null)]);
      const fourth = newJob({ createdAt: T0 + 300 });
      const afterwards = await store.createJob(fourth, messageFor(fourth), undefined, uniqueClaim('k'));

      expect(whileQueued).toEqual({ created: false, jobId: first.id, unique: 'existing', status: 'queued' });
      expect(whileRunning).toEqual({ created: false, jobId: first.id, unique: 'existing', status: 'running' });
      expect(afterwards).toEqual({ created: true });
      expect(ids(await store.list({ tenant: 'default', limit: 10 }))).toEqual([fourth.id, first.id]);
      expect(await store.outboxBacklog()).toBe(2);
    });

    it('drop with a window: a waiting job holds its key only until the window ends', async () => {
      const first = newJob();
      await store.createJob(first, messageFor(first), undefined, uniqueClaim('k', { expiresAt: T0 + 1000 }));
      const inside = newJob({ createdAt: T0 + 999 });
      const outside = newJob({ createdAt: T0 + 1000 });

      expect(await store.createJob(inside, messageFor(inside), undefined, uniqueClaim('k'))).toMatchObject({ jobId: first.id });
      expect(await store.createJob(outside, messageFor(outside), undefined, uniqueClaim('k'))).toEqual({ created: true });
    });

    it('throttle: answers the first job for its whole window, finished or not, and a new job after it', async () => {
      const first = newJob();
      await store.createJob(first, messageFor(first), undefined, uniqueClaim('k', { mode: 'throttle', expiresAt: T0 + 1000 }));
      await store.applyEvents([started(first.id), failed(first.id)]);
      const inside = newJob({ createdAt: T0 + 500 });
      const throttled = await store.createJob(
        inside,
        messageFor(inside),
        undefined,
        uniqueClaim('k', { mode: 'throttle', expiresAt: T0 + 1500 }),
      );
      const outside = newJob({ createdAt: T0 + 1000 });
      const next = await store.createJob(
        outside,
        messageFor(outside),
        undefined,
        uniqueClaim('k', { mode: 'throttle', expiresAt: T0 + 2000 }),
      );

      expect(throttled).toEqual({ created: false, jobId: first.id, unique: 'existing', status: 'failed' });
      expect(next).toEqual({ created: true });
      expect(await store.get(inside.id)).toBeUndefined();
    });

    it('keeps keys apart: another key, or the same key of a drop holder that was cancelled, makes a new job', async () => {
      const a = newJob();
      const b = newJob();
      await store.createJob(a, messageFor(a), undefined, uniqueClaim('a'));
      expect(await store.createJob(b, messageFor(b), undefined, uniqueClaim('b'))).toEqual({ created: true });
      await store.cancel(a.id, T0 + 5);
      const c = newJob({ createdAt: T0 + 10 });
      expect(await store.createJob(c, messageFor(c), undefined, uniqueClaim('a'))).toEqual({ created: true });
    });

    it('debounce: the waiting job takes the later payload, options, run time and message; the relay then sees only those', async () => {
      const first = newJob({ status: 'scheduled', runAt: T0 + 1000, payload: { n: 1 } });
      await store.createJob(first, messageFor(first, { availableAt: first.runAt ?? undefined }), undefined, debounceClaim('k', first));
      const later = newJob({ status: 'scheduled', runAt: T0 + 1500, createdAt: T0 + 500, payload: { n: 2 }, priority: 7 });
      const claim = debounceClaim('k', later);

      const outcome = await store.createJob(later, messageFor(later, { availableAt: later.runAt ?? undefined }), undefined, claim);

      expect(outcome).toEqual({ created: false, jobId: first.id, unique: 'debounced', status: 'scheduled' });
      expect(claim.replaced).toHaveBeenCalledWith({ id: first.id, createdAt: T0 });
      expect(await store.get(later.id)).toBeUndefined();
      expect(await mustGet(first.id)).toMatchObject({
        status: 'scheduled',
        payload: { n: 2 },
        priority: 7,
        runAt: T0 + 1500,
        createdAt: T0,
      });
      expect(await store.nextOutboxDue()).toBe(T0 + 1500);
      const due = await dueMessages();
      expect(due).toHaveLength(1);
      expect(due[0]).toMatchObject({ jobId: first.id, priority: 7, body: JSON.stringify({ id: first.id, payload: { n: 2 } }) });
    });

    it('debounce: once the relay has taken the waiting job’s message, a later dispatch is a new job', async () => {
      const first = newJob({ status: 'scheduled', runAt: T0 + 1000 });
      await store.createJob(first, messageFor(first, { availableAt: first.runAt ?? undefined }), undefined, debounceClaim('k', first));
      await dueMessages();
      const later = newJob({ status: 'scheduled', runAt: T0 + 1500, createdAt: T0 + 500 });

      const outcome = await store.createJob(
        later,
        messageFor(later, { availableAt: later.runAt ?? undefined }),
        undefined,
        debounceClaim('k', later),
      );

      expect(outcome).toEqual({ created: true });
      expect(await mustGet(first.id)).toMatchObject({ runAt: T0 + 1000 });
    });

    it('with an idempotency key too: the key answers with the job holding the unique key, which the request became', async () => {
      const holder = newJob();
      await store.createJob(holder, messageFor(holder), undefined, uniqueClaim('k'));
      const request = newJob({ createdAt: T0 + 10 });
      const first = await store.createJob(request, messageFor(request), keyClaim('tick-1'), uniqueClaim('k'));
      const replay = newJob({ createdAt: T0 + 20 });

      const again = await store.createJob(replay, messageFor(replay), keyClaim('tick-1'), uniqueClaim('k'));

      expect(first).toMatchObject({ created: false, jobId: holder.id, unique: 'existing' });
      expect(again).toEqual({ created: false, jobId: holder.id, requestHash: 'hash-of-tick-1' });
    });

    it('creates exactly one job when twenty dispatches race with one key, and answers all of them with it', async () => {
      const jobs = Array.from({ length: 20 }, () => newJob());

      const outcomes = await Promise.all(jobs.map((job) => store.createJob(job, messageFor(job), undefined, uniqueClaim('race'))));

      const listed = await store.list({ tenant: 'default', limit: 100 });
      expect(listed).toHaveLength(1);
      const winner = listed[0].id;
      expect(outcomes[jobs.findIndex((job) => job.id === winner)]).toEqual({ created: true });
      expect(outcomes.filter((outcome) => !outcome.created)).toEqual(
        Array(19).fill({ created: false, jobId: winner, unique: 'existing', status: 'queued' }),
      );
      expect(await store.outboxBacklog()).toBe(1);
    });

    it('a batch: items with a held key become its holder, a later item with an earlier item’s key becomes that item', async () => {
      const held = newJob();
      await store.createJob(held, messageFor(held), undefined, uniqueClaim('held'));
      const items = [newJob(), newJob(), newJob(), newJob()].map((job, i) => ({
        job,
        message: messageFor(job),
        unique: i === 3 ? undefined : uniqueClaim(i === 0 ? 'held' : 'fresh'),
      }));

      const outcomes = await store.createJobsClaiming(items);

      expect(outcomes).toEqual([
        { created: false, jobId: held.id, unique: 'existing', status: 'queued' },
        { created: true },
        { created: false, jobId: items[1].job.id, unique: 'existing', status: 'queued' },
        { created: true },
      ]);
      expect((await store.list({ tenant: 'default', limit: 10 })).map((job) => job.id).sort()).toEqual(
        [held.id, items[1].job.id, items[3].job.id].sort(),
      );
      expect(await store.outboxBacklog()).toBe(3);
    });

    it('purges keys past their window and keys whose holder no longer waits or runs, and keeps the rest', async () => {
      const windowed = newJob();
      await store.createJob(windowed, messageFor(windowed), undefined, uniqueClaim('windowed', { mode: 'throttle', expiresAt: T0 + 1000 }));
      const finished = newJob();
      await store.createJob(finished, messageFor(finished), undefined, uniqueClaim('finished'));
      await store.applyEvents([started(finished.id), succeeded(finished.id, null)]);
      const waiting = newJob();
      await store.createJob(waiting, messageFor(waiting), undefined, uniqueClaim('waiting'));

      expect(await store.purgeExpiredKeys(T0 + 1000)).toBe(2);
      const again = newJob({ createdAt: T0 + 2000 });
      expect(await store.createJob(again, messageFor(again), undefined, uniqueClaim('waiting'))).toMatchObject({ jobId: waiting.id });
    });
  });

  describe('queue states', () => {
    const command = (id: string): OutboxMessage => ({
      id,
      jobId: id,
      routingKey: 'ns.control',
      body: '{}',
      priority: 0,
      createdAt: T0,
      target: 'control',
    });

    it('records a pause and a resume with their command, the latest state per queue', async () => {
      await store.setQueueState({ queue: 'video', paused: true, changedAt: T0 }, command(uuidv7()));
      await store.setQueueState({ queue: 'default', paused: true, changedAt: T0 + 1 }, command(uuidv7()));
      await store.setQueueState({ queue: 'video', paused: false, changedAt: T0 + 2 }, command(uuidv7()));

      expect(await store.queueStates()).toEqual([
        { queue: 'default', paused: true, changedAt: T0 + 1 },
        { queue: 'video', paused: false, changedAt: T0 + 2 },
      ]);
      const due = await dueMessages();
      expect(due.map((message) => message.target)).toEqual(['control', 'control', 'control']);
    });

    it('records neither state nor command when the command cannot be stored', async () => {
      const taken = command(uuidv7());
      await store.setQueueState({ queue: 'video', paused: true, changedAt: T0 }, taken);

      await expectKeyViolation(store.setQueueState({ queue: 'video', paused: false, changedAt: T0 + 5 }, taken));

      expect(await store.queueStates()).toEqual([{ queue: 'video', paused: true, changedAt: T0 }]);
    });

    it('counts waiting and running jobs per queue, what finished since a time, and the waits of those started since', async () => {
      await given({ queue: 'video' });
      await given({ queue: 'video', status: 'scheduled', runAt: T0 + 60_000 });
      const running = await given({ queue: 'video' });
      await store.applyEvents([started(running, { at: T0 + 40 })]);
      const done = await given({ queue: 'default' });
      await store.applyEvents([started(done, { at: T0 + 100 }), succeeded(done, null, { startedAt: T0 + 100 })]);
      const old = await given({ queue: 'default' });
      await store.applyEvents([started(old, { at: T0 - 5000 }), failed(old)]);

      const activity = await store.queueActivity(T0);

      expect(activity.sort((a, b) => a.queue.localeCompare(b.queue))).toEqual([
        { queue: 'default', counts: {}, finished: 2, waitsMs: [100] },
        { queue: 'video', counts: { queued: 1, scheduled: 1, running: 1 }, finished: 0, waitsMs: [40] },
      ]);
    });
  });

  describe('groups', () => {
    const LIMITS = { buffer: 100, leaseMs: 0 };

    /** A grouped job of queue `q`, committed; returns its id. */
    async function givenGrouped(key: string, group: Partial<NonNullable<NewJob['group']>> = {}, overrides: Partial<NewJob> = {}) {
      return given({ queue: 'q', group: { key, fifo: false, ...group }, ...overrides });
    }

    /** Lets go what the groups of queue `q` allow at `now`; returns the released jobs' ids. */
    async function pass(now = T0 + 100, limits = LIMITS): Promise<string[]> {
      const { released } = await store.release('q', now, limits);
      return released.map((message) => message.jobId);
    }

    async function finish(...jobIds: string[]): Promise<void> {
      await store.applyEvents(jobIds.flatMap((id) => [started(id), succeeded(id, null)]));
    }

    it('keeps a grouped job’s message in its group, then lets it go to the outbox as it was committed', async () => {
      const job = newJob({ queue: 'q', group: { key: 'customer-42', fifo: false } });
      const message = messageFor(job, { requestId: 'req-1' });
      await store.createJob(job, message);

      expect(await dueMessages()).toEqual([]);
      expect(await store.get(job.id)).toMatchObject({ status: 'queued', group: 'customer-42' });
      expect(await store.queuesWaiting()).toEqual(['q']);

      const { released, waiting } = await store.release('q', T0, LIMITS);

      expect(released).toEqual([
        expect.objectContaining({ id: message.id, jobId: job.id, body: message.body, routingKey: 'q', requestId: 'req-1' }),
      ]);
      expect(waiting).toBe(true);
      expect((await dueMessages()).map((m) => m.id)).toEqual([message.id]);
      expect(await store.queuesWaiting()).toEqual([]);
      expect((await store.release('q', T0, LIMITS)).waiting).toBe(false);
    });

    it('never has more of a group active than its concurrency; a finished job makes room for the next, in dispatch order', async () => {
      const jobs = [];
      for (let i = 0; i < 5; i++) jobs.push(await givenGrouped('g', { concurrency: 2 }, { createdAt: T0 + i }));

      expect(await pass()).toEqual(jobs.slice(0, 2));
      await store.applyEvents([started(jobs[0]), started(jobs[1])]);
      expect(await pass()).toEqual([]);
      await store.applyEvents([retrying(jobs[0])]);
      // Waiting to retry still counts: the job is not done.
      expect(await pass()).toEqual([]);
      await finish(jobs[1]);
      expect(await pass()).toEqual([jobs[2]]);
      await store.applyEvents([started(jobs[0], { attempt: 2 }), failed(jobs[0], { attempt: 2 })]);
      expect(await pass()).toEqual([jobs[3]]);
    });

    it('takes the groups of a queue in turn: a large group’s backlog goes one at a time with each small group', async () => {
      const big: string[] = [];
      for (let i = 0; i < 30; i++) big.push(await givenGrouped('big', {}, { createdAt: T0 + i }));
      const small = ['a', 'b'];
      const smallJobs: string[] = [];
      for (const key of small) for (let i = 0; i < 3; i++) smallJobs.push(await givenGrouped(key, {}, { createdAt: T0 + 100 + i }));

      const released: string[][] = [];
      for (let round = 0; round < 4; round++) {
        const ids = await pass(T0 + 1000 + round, { buffer: 3, leaseMs: 0 });
        released.push(ids);
        await finish(...ids);
      }

      const groupsOf = async (ids: string[]) => (await Promise.all(ids.map(mustGet))).map((job) => job.group).sort();
      expect(await groupsOf(released[0])).toEqual(['a', 'b', 'big']);
      expect(await groupsOf(released[1])).toEqual(['a', 'b', 'big']);
      expect(await groupsOf(released[2])).toEqual(['a', 'b', 'big']);
      // The small groups are done after 3 of the big one's 30; the big one then has the buffer to itself.
      expect(await groupsOf(released[3])).toEqual(['big', 'big', 'big']);
      expect(released.flat().filter((id) => big.includes(id))).toEqual(big.slice(0, 6));
    });

    it('lets go no more than the buffer of jobs not yet started, across groups', async () => {
      for (let i = 0; i < 3; i++) await givenGrouped(`g${i}`, {}, { createdAt: T0 + i });
      for (let i = 0; i < 3; i++) await givenGrouped(`g${i}`, {}, { createdAt: T0 + 10 + i });

      const first = await pass(T0 + 100, { buffer: 4, leaseMs: 0 });
      expect(first).toHaveLength(4);
      expect(await pass(T0 + 100, { buffer: 4, leaseMs: 0 })).toEqual([]);
      await store.applyEvents([started(first[0])]);
      expect(await pass(T0 + 100, { buffer: 4, leaseMs: 0 })).toHaveLength(1);
    });

    it('fifo: one at a time in dispatch order, a delayed first job holding back those after it', async () => {
      const first = await givenGrouped('f', { fifo: true, concurrency: 1 }, { createdAt: T0, status: 'scheduled', runAt: T0 + 5000 });
      const second = await givenGrouped('f', { fifo: true, concurrency: 1 }, { createdAt: T0 + 1 });

      expect(await pass(T0 + 10)).toEqual([]);
      expect(await pass(T0 + 5000)).toEqual([first]);
      await store.applyEvents([started(first), retrying(first)]);
      expect(await pass(T0 + 6000)).toEqual([]);
      await store.applyEvents([started(first, { attempt: 2 }), succeeded(first, null, { attempt: 2 })]);
      expect(await pass(T0 + 7000)).toEqual([second]);
    });

    it('lets go at most the rate limit in any window, finished or not', async () => {
      const jobs = [];
      for (let i = 0; i < 5; i++) jobs.push(await givenGrouped('r', { rate: { limit: 2, perMs: 1000 } }, { createdAt: T0 + i }));

      expect(await pass(T0 + 100)).toEqual(jobs.slice(0, 2));
      await finish(jobs[0], jobs[1]);
      expect(await pass(T0 + 1099)).toEqual([]);
      expect(await pass(T0 + 1100)).toEqual(jobs.slice(2, 4));
    });

    it('does not let go a delayed job before its time, nor one cancelled while it waited', async () => {
      const delayed = await givenGrouped('d', {}, { status: 'scheduled', runAt: T0 + 60_000 });
      const cancelled = await givenGrouped('d', {}, { createdAt: T0 + 1 });
      const next = await givenGrouped('d', {}, { createdAt: T0 + 2 });
      await store.cancel(cancelled, T0 + 5);

      expect(await pass(T0 + 10)).toEqual([next]);
      expect(await pass(T0 + 60_000)).toEqual([delayed]);
      expect((await store.release('q', T0 + 60_000, LIMITS)).waiting).toBe(false);
    });

    it('a batch keeps its grouped jobs in their groups and sends the others to the outbox', async () => {
      const free = newJob({ queue: 'q' });
      const grouped = [
        newJob({ queue: 'q', group: { key: 'b', fifo: false, concurrency: 1 } }),
        newJob({ queue: 'q', group: { key: 'b', fifo: false, concurrency: 1 } }),
      ];
      await store.createJobs([free, ...grouped].map((job) => ({ job, message: messageFor(job) })));

      expect((await dueMessages()).map((m) => m.jobId)).toEqual([free.id]);
      expect(await pass()).toEqual([grouped[0].id]);
    });

    it('redrives a failed grouped job back into its group, behind the jobs waiting there', async () => {
      const failedJob = await givenGrouped('x', { concurrency: 1 });
      expect(await pass()).toEqual([failedJob]);
      await store.applyEvents([started(failedJob), failed(failedJob)]);
      const waiting = await givenGrouped('x', { concurrency: 1 }, { createdAt: T0 + 1 });
      const message = redriveMessage();

      expect(await store.redrive(failedJob, message)).toMatchObject({ status: 'queued', group: 'x' });

      const redriven = message.mock.results[0].value as OutboxMessage;
      expect((await dueMessages()).map((m) => m.id)).not.toContain(redriven.id);
      expect(await pass(T0 + 10)).toEqual([waiting]);
      await finish(waiting);
      const [again] = await store.release('q', Date.now() + 1000, LIMITS).then((pass) => pass.released);
      expect(again).toMatchObject({ jobId: failedJob, id: redriven.id });
    });

    it('debounce replaces the message of a grouped job still waiting in its group', async () => {
      const job = newJob({ queue: 'q', status: 'scheduled', runAt: T0 + 1000, group: { key: 'g', fifo: false } });
      await store.createJob(job, messageFor(job, { availableAt: T0 + 1000 }), undefined, debounceClaim('dk', job));
      const later = newJob({
        queue: 'q',
        status: 'scheduled',
        runAt: T0 + 3000,
        createdAt: T0 + 500,
        payload: { last: true },
        group: { key: 'g', fifo: false },
      });
      const claim = debounceClaim('dk', later);

      expect(await store.createJob(later, messageFor(later), undefined, claim)).toMatchObject({ jobId: job.id, unique: 'debounced' });

      expect(await pass(T0 + 1500)).toEqual([]);
      const { released } = await store.release('q', T0 + 3000, LIMITS);
      expect(released).toEqual([expect.objectContaining({ jobId: job.id, body: JSON.stringify({ id: job.id, payload: { last: true } }) })]);
    });

    it('passes from two store instances at once never let go more than a group allows', async () => {
      for (let i = 0; i < 10; i++) await givenGrouped('c', { concurrency: 2 }, { createdAt: T0 + i });
      const other = backend.open();
      try {
        const passes = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).release('q', T0 + 100, LIMITS).then((p) => p.released.length)),
        );
        expect(passes.reduce((a, b) => a + b, 0)).toBe(2);
      } finally {
        await other.close();
      }
    });

    it('lists a tenant’s groups with their limits and counts, by queue and key, in pages', async () => {
      const limits = { concurrency: 1, rate: { limit: 5, perMs: 60_000 } };
      const a1 = await givenGrouped('a', limits);
      await givenGrouped('a', limits, { createdAt: T0 + 1 });
      await givenGrouped('b', {});
      await givenGrouped('z', {}, { tenant: 'other' });
      await pass(Date.now());

      const [a, b] = await store.groups({ tenant: 'default', limit: 10 });

      expect(a).toEqual({
        key: 'a',
        queue: 'q',
        tenant: 'default',
        waiting: 1,
        active: 1,
        recent: 1,
        concurrency: 1,
        rate: { limit: 5, perMs: 60_000 },
        fifo: false,
        lastReleasedAt: expect.any(Number),
      });
      expect(b).toMatchObject({ key: 'b', waiting: 0, active: 1, recent: 0, concurrency: null, rate: null });
      expect((await store.groups({ tenant: 'default', limit: 1, after: { queue: 'q', key: 'a' } })).map((g) => g.key)).toEqual(['b']);
      expect((await store.groups({ tenant: 'other', limit: 10 })).map((g) => g.key)).toEqual(['z']);
      await finish(a1);
      expect((await store.groups({ tenant: 'default', queue: 'q', limit: 1 }))[0]).toMatchObject({ active: 0, recent: 1 });
    });

    it('forgets groups with nothing waiting or counting that were untouched since a time', async () => {
      const done = await givenGrouped('done');
      await givenGrouped('busy', {}, { createdAt: T0 + 1 });
      await pass(T0 + 10);
      await finish(done);
      await pass(T0 + 20);

      expect(await store.purgeIdle(T0 + 1_000_000)).toBe(1);
      expect((await store.groups({ tenant: 'default', limit: 10 })).map((g) => g.key)).toEqual(['busy']);
    });
  });

  describe('purgeExpiredKeys', () => {
    it('removes keys expired at the given time and keeps the others', async () => {
      const jobs = [newJob(), newJob(), newJob()];
      for (const [i, job] of jobs.entries()) {
        await store.createJob(job, messageFor(job), keyClaim(`key-${i}`, { expiresAt: T0 + 1000 * (i + 1) }));
      }

      const purged = await store.purgeExpiredKeys(T0 + 2000);
      // A purged key is free again even for a request made before it expired; the kept one still answers.
      const reuse = newJob();
      const reused = await store.createJob(reuse, messageFor(reuse), keyClaim('key-1'));
      const repeat = newJob();
      const repeated = await store.createJob(repeat, messageFor(repeat), keyClaim('key-2'));

      expect(purged).toBe(2);
      expect(reused).toEqual({ created: true });
      expect(repeated).toEqual({ created: false, jobId: jobs[2].id, requestHash: 'hash-of-key-2' });
      expect(await store.purgeExpiredKeys(T0 + 2000)).toBe(0);
    });

    it('keeps the jobs whose keys it removed', async () => {
      const job = newJob();
      await store.createJob(job, messageFor(job), keyClaim('key', { expiresAt: T0 + 1000 }));

      await store.purgeExpiredKeys(T0 + 5000);

      expect(await store.get(job.id)).toMatchObject({ id: job.id, status: 'queued' });
    });
  });

  describe('tenants', () => {
    it("lists, counts and redrives only the tenant's jobs; a tombstone answers only to its tenant", async () => {
      const acme = [
        await given({ tenant: 'acme' }),
        await given({ tenant: 'acme', type: 'video.process' }),
        await givenFailed({ tenant: 'acme' }),
      ];
      const globex = [await given({ tenant: 'globex' }), await givenFailed({ tenant: 'globex' })];
      await given();

      expect((await store.list({ tenant: 'acme', limit: 10 })).map((job) => job.id).sort()).toEqual([...acme].sort());
      expect((await store.list({ tenant: 'globex', status: 'failed', limit: 10 })).map((job) => job.id)).toEqual([globex[1]]);
      expect(await store.counts('acme')).toEqual({
        byStatus: { queued: 2, failed: 1 },
        byType: { 'email.welcome': { queued: 1, failed: 1 }, 'video.process': { queued: 1 } },
      });
      expect(await store.countWaiting('acme')).toBe(2);
      expect(await store.countWaiting('initech')).toBe(0);

      expect(await store.redriveMany({ tenant: 'globex', status: 'failed' }, (job) => messageFor(job))).toBe(1);
      expect((await store.get(acme[2]))?.status).toBe('failed');
      expect((await store.get(globex[1]))?.status).toBe('queued');

      await store.applyEvents([started(acme[0]), succeeded(acme[0], {}, { at: T0 + 10 })]);
      expect(await store.purgeFinished('email.welcome', T0 + 1_000_000, 10)).toBe(2); // acme's success and its failure
      expect(await store.isPurged(acme[0], 'acme')).toBe(true);
      expect(await store.isPurged(acme[0], 'globex')).toBe(false);
    });
  });

  describe('list', () => {
    it('lists jobs newest first by id', async () => {
      const a = await given();
      const b = await given();
      const c = await given();

      expect(ids(await store.list({ tenant: 'default', limit: 10 }))).toEqual([c, b, a]);
    });

    it('returns only jobs with the requested status', async () => {
      const queuedOld = await given();
      const running = await given();
      const queuedNew = await given();
      await store.applyEvents([started(running)]);

      expect(ids(await store.list({ tenant: 'default', status: 'queued', limit: 10 }))).toEqual([queuedNew, queuedOld]);
      expect(ids(await store.list({ tenant: 'default', status: 'running', limit: 10 }))).toEqual([running]);
    });

    it('returns only jobs of the requested type', async () => {
      const videoOld = await given({ type: 'video.process', queue: 'video' });
      await given({ type: 'email.welcome' });
      const videoNew = await given({ type: 'video.process', queue: 'video' });

      expect(ids(await store.list({ tenant: 'default', type: 'video.process', limit: 10 }))).toEqual([videoNew, videoOld]);
    });

    it('returns only jobs of the requested queue, or group', async () => {
      const video = await given({ type: 'video.process', queue: 'video' });
      const grouped = await given({ queue: 'q', group: { key: 'g-1', fifo: false } });
      await given();

      expect(ids(await store.list({ tenant: 'default', queue: 'video', limit: 10 }))).toEqual([video]);
      expect(ids(await store.list({ tenant: 'default', group: 'g-1', limit: 10 }))).toEqual([grouped]);
    });

    it('finds jobs by text in their payload, in any case, with % and _ matching only themselves', async () => {
      const ada = await given({ payload: { email: 'Ada@Example.com', name: 'Ada' } });
      const percent = await given({ payload: { note: '100% done_now' } });
      await given({ payload: { note: '100 percent, donenow' } });

      expect(ids(await store.list({ tenant: 'default', payloadContains: 'ada@example', limit: 10 }))).toEqual([ada]);
      expect(ids(await store.list({ tenant: 'default', payloadContains: '"email":"ada@', limit: 10 }))).toEqual([ada]);
      expect(ids(await store.list({ tenant: 'default', payloadContains: '0% done_', limit: 10 }))).toEqual([percent]);
      expect(ids(await store.list({ tenant: 'other', payloadContains: 'ada', limit: 10 }))).toEqual([]);
    });

    it('returns at most limit jobs, the newest', async () => {
      await given();
      const b = await given();
      const c = await given();

      expect(ids(await store.list({ tenant: 'default', limit: 2 }))).toEqual([c, b]);
    });

    it('pages with beforeId through every older job once, then returns an empty page', async () => {
      const created: string[] = [];
      for (let i = 0; i < 5; i += 1) created.push(await given());
      const newestFirst = [...created].reverse();

      const first = ids(await store.list({ tenant: 'default', limit: 2 }));
      const second = ids(await store.list({ tenant: 'default', limit: 2, beforeId: first[first.length - 1] }));
      const third = ids(await store.list({ tenant: 'default', limit: 2, beforeId: second[second.length - 1] }));
      const fourth = ids(await store.list({ tenant: 'default', limit: 2, beforeId: third[third.length - 1] }));

      expect([first, second, third, fourth]).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4), []]);
    });

    it('combines status, type and beforeId', async () => {
      const match1 = await given({ type: 'video.process', queue: 'video' });
      await given({ type: 'email.welcome' });
      const match2 = await given({ type: 'video.process', queue: 'video' });
      const running = await given({ type: 'video.process', queue: 'video' });
      const match3 = await given({ type: 'video.process', queue: 'video' });
      await store.applyEvents([started(running)]);

      expect(ids(await store.list({ tenant: 'default', status: 'queued', type: 'video.process', limit: 10, beforeId: match3 }))).toEqual([
        match2,
        match1,
      ]);
    });
  });

  describe('applyEvents', () => {
    it('marks a started job running with the attempt, start time and worker', async () => {
      const id = await given();

      const event = started(id, { attempt: 1, at: T0 + 100, worker: 'worker-7' });

      const outcome = await store.applyEvents([event]);

      expect(outcome).toEqual({ applied: 1, ignored: 0, appliedEvents: [event] });
      expect(await mustGet(id)).toMatchObject({
        status: 'running',
        attempts: 1,
        startedAt: T0 + 100,
        worker: 'worker-7',
        updatedAt: T0 + 100,
        finishedAt: null,
      });
    });

    it('records a numeric progress', async () => {
      const id = await given();
      await store.applyEvents([started(id)]);

      await store.applyEvents([progress(id, 42)]);

      expect(await mustGet(id)).toMatchObject({ status: 'running', progress: 42 });
    });

    it('records an object progress, replacing the previous one', async () => {
      const id = await given();
      await store.applyEvents([started(id), progress(id, 10)]);

      await store.applyEvents([progress(id, { frames: 120, of: 400 })]);

      expect((await mustGet(id)).progress).toEqual({ frames: 120, of: 400 });
    });

    it('marks a job succeeded with its result, finish time and attempts, keeping the start time it had', async () => {
      const id = await given();
      await store.applyEvents([started(id, { at: T0 + 100 })]);

      await store.applyEvents([
        succeeded(id, { delivered_to: 'ada@example.com', message_id: 'm-1' }, { at: T0 + 200, startedAt: T0 + 150 }),
      ]);

      expect(await mustGet(id)).toMatchObject({
        status: 'succeeded',
        result: { delivered_to: 'ada@example.com', message_id: 'm-1' },
        error: null,
        attempts: 1,
        startedAt: T0 + 100,
        finishedAt: T0 + 200,
      });
    });

    it('takes the start time from the success when the started event never arrived', async () => {
      const id = await given();

      await store.applyEvents([succeeded(id, 'done', { at: T0 + 200, startedAt: T0 + 150 })]);

      expect(await mustGet(id)).toMatchObject({
        status: 'succeeded',
        result: 'done',
        attempts: 1,
        startedAt: T0 + 150,
        finishedAt: T0 + 200,
      });
    });

    it('marks a job failed with its error and finish time', async () => {
      const id = await given();
      await store.applyEvents([started(id)]);

      await store.applyEvents([failed(id, { at: T0 + 300 })]);

      expect(await mustGet(id)).toMatchObject({
        status: 'failed',
        error: BOUNCED,
        result: null,
        attempts: 1,
        finishedAt: T0 + 300,
        nextAttemptAt: null,
      });
    });

    it('ignores a duplicate success and keeps the first outcome', async () => {
      const id = await given();
      await store.applyEvents([started(id), succeeded(id, { n: 1 }, { at: T0 + 200 })]);
      const before = await mustGet(id);

      const outcome = await store.applyEvents([succeeded(id, { n: 2 }, { at: T0 + 999 })]);

      expect(outcome).toEqual({ applied: 0, ignored: 1, appliedEvents: [] });
      expect(await mustGet(id)).toEqual(before);
    });

    it('ignores late started, progress, retrying and failed events for a succeeded job', async () => {
      const id = await given();
      await store.applyEvents([started(id), succeeded(id, { n: 1 }, { at: T0 + 200 })]);
      const before = await mustGet(id);

      const outcome = await store.applyEvents([
        started(id, { attempt: 2, at: T0 + 500, worker: 'worker-2' }),
        progress(id, 99, { attempt: 2, at: T0 + 600 }),
        retrying(id, { attempt: 2, at: T0 + 650 }),
        failed(id, { attempt: 2, at: T0 + 700 }),
      ]);

      expect(outcome).toEqual({ applied: 0, ignored: 4, appliedEvents: [] });
      expect(await mustGet(id)).toEqual(before);
      expect(before).toMatchObject({ status: 'succeeded', result: { n: 1 }, finishedAt: T0 + 200 });
    });

    it('ignores a late success for a failed job', async () => {
      const id = await given();
      await store.applyEvents([started(id), failed(id)]);
      const before = await mustGet(id);

      const outcome = await store.applyEvents([succeeded(id, 'too late', { at: T0 + 900 })]);

      expect(outcome).toEqual({ applied: 0, ignored: 1, appliedEvents: [] });
      expect(await mustGet(id)).toEqual(before);
    });

    it('ignores events for jobs it does not know, without creating them', async () => {
      const unknown = uuidv7();

      const outcome = await store.applyEvents([started(unknown), retrying(unknown), succeeded(unknown, 'x')]);

      expect(outcome).toEqual({ applied: 0, ignored: 3, appliedEvents: [] });
      expect(await store.get(unknown)).toBeUndefined();
      expect(await store.history(unknown)).toEqual([]);
    });

    it('never lowers attempts when an older attempt reports late', async () => {
      const id = await given();
      await store.applyEvents([started(id, { attempt: 2, at: T0 + 500 })]);

      const late = await store.applyEvents([started(id, { attempt: 1, at: T0 + 100, worker: 'old-worker' })]);

      expect(late).toEqual({ applied: 0, ignored: 1, appliedEvents: [] });
      expect(await mustGet(id)).toMatchObject({ status: 'running', attempts: 2, startedAt: T0 + 500, worker: WORKER });
    });

    it('keeps the higher attempt count when the older attempt succeeds late', async () => {
      const id = await given();
      await store.applyEvents([started(id, { attempt: 2, at: T0 + 500 })]);

      await store.applyEvents([succeeded(id, 'ok', { attempt: 1, at: T0 + 600 })]);

      expect(await mustGet(id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    });

    it('applies a batch mixing several jobs in order, in one call', async () => {
      const email = await given();
      const video = await given({ type: 'video.process', queue: 'video' });
      const untouched = await given();

      const events = [
        started(email),
        started(video),
        progress(video, 50),
        failed(email, { at: T0 + 300 }),
        progress(video, 100, { at: T0 + 350 }),
        succeeded(video, { frames: 400 }, { at: T0 + 400 }),
      ];

      const outcome = await store.applyEvents(events);

      expect(outcome).toEqual({ applied: 6, ignored: 0, appliedEvents: events });
      expect(await mustGet(email)).toMatchObject({ status: 'failed', error: BOUNCED, finishedAt: T0 + 300 });
      expect(await mustGet(video)).toMatchObject({ status: 'succeeded', progress: 100, result: { frames: 400 } });
      expect(await mustGet(untouched)).toMatchObject({ status: 'queued', attempts: 0 });
    });

    it('ends succeeded when started and succeeded arrive in one batch', async () => {
      const id = await given();

      const events = [started(id), succeeded(id, 'ok')];

      const outcome = await store.applyEvents(events);

      expect(outcome).toEqual({ applied: 2, ignored: 0, appliedEvents: events });
      expect(await mustGet(id)).toMatchObject({ status: 'succeeded', result: 'ok', attempts: 1 });
    });

    it('reports only the events that changed a job, in the order applied', async () => {
      const id = await given();
      const first = started(id);
      const duplicate = started(id);
      const outcome = succeeded(id, 'ok');
      const late = failed(id, { at: T0 + 900 });

      expect(await store.applyEvents([first, duplicate, outcome, late])).toEqual({
        applied: 2,
        ignored: 2,
        appliedEvents: [first, outcome],
      });
    });

    it('applies nothing for an empty batch', async () => {
      expect(await store.applyEvents([])).toEqual({ applied: 0, ignored: 0 });
    });
  });

  describe('retrying', () => {
    it('marks a job retrying with the error, the next attempt time and the attempt counted, not finished', async () => {
      const id = await given();
      await store.applyEvents([started(id, { at: T0 + 100 })]);

      const event = retrying(id, { at: T0 + 300, nextAttemptAt: T0 + 1300, worker: 'worker-3' });

      const outcome = await store.applyEvents([event]);

      expect(outcome).toEqual({ applied: 1, ignored: 0, appliedEvents: [event] });
      expect(await mustGet(id)).toMatchObject({
        status: 'retrying',
        error: TIMED_OUT,
        nextAttemptAt: T0 + 1300,
        attempts: 1,
        startedAt: T0 + 100,
        finishedAt: null,
        worker: 'worker-3',
        updatedAt: T0 + 300,
      });
    });

    it('takes the start time from the retrying event when the started event never arrived', async () => {
      const id = await given();

      await store.applyEvents([retrying(id, { startedAt: T0 + 120 })]);

      expect(await mustGet(id)).toMatchObject({ status: 'retrying', attempts: 1, startedAt: T0 + 120 });
    });

    it('runs the next attempt: running, attempts 2, no next attempt time', async () => {
      const id = await given();
      await store.applyEvents([started(id), retrying(id, { nextAttemptAt: T0 + 1300 })]);

      const event = started(id, { attempt: 2, at: T0 + 1400, worker: 'worker-2' });

      const outcome = await store.applyEvents([event]);

      expect(outcome).toEqual({ applied: 1, ignored: 0, appliedEvents: [event] });
      expect(await mustGet(id)).toMatchObject({
        status: 'running',
        attempts: 2,
        nextAttemptAt: null,
        startedAt: T0 + 1400,
        worker: 'worker-2',
      });
    });

    it('succeeds on a later attempt, clearing the error of the earlier one', async () => {
      const id = await given();
      await store.applyEvents([started(id), retrying(id), started(id, { attempt: 2, at: T0 + 1400 })]);

      await store.applyEvents([succeeded(id, 'ok', { attempt: 2, at: T0 + 1500, startedAt: T0 + 1400 })]);

      expect(await mustGet(id)).toMatchObject({
        status: 'succeeded',
        result: 'ok',
        error: null,
        attempts: 2,
        nextAttemptAt: null,
        finishedAt: T0 + 1500,
      });
    });

    it('fails for good on the last attempt with its error and no next attempt time', async () => {
      const id = await given({ maxAttempts: 2 });
      await store.applyEvents([started(id), retrying(id), started(id, { attempt: 2, at: T0 + 1400 })]);

      await store.applyEvents([failed(id, { attempt: 2, at: T0 + 1600 })]);

      expect(await mustGet(id)).toMatchObject({
        status: 'failed',
        error: BOUNCED,
        attempts: 2,
        nextAttemptAt: null,
        finishedAt: T0 + 1600,
      });
    });

    it('ends failed when the attempt that was retrying is reported failed, with no next attempt time', async () => {
      const id = await given();
      await store.applyEvents([started(id), retrying(id)]);

      await store.applyEvents([failed(id, { at: T0 + 400 })]);

      expect(await mustGet(id)).toMatchObject({ status: 'failed', nextAttemptAt: null, finishedAt: T0 + 400 });
    });

    it('ignores a late retrying of an older attempt once the next attempt started', async () => {
      const id = await given();
      await store.applyEvents([started(id), started(id, { attempt: 2, at: T0 + 1400 })]);
      const before = await mustGet(id);

      const outcome = await store.applyEvents([retrying(id, { attempt: 1, at: T0 + 300 })]);

      expect(outcome).toEqual({ applied: 0, ignored: 1, appliedEvents: [] });
      expect(await mustGet(id)).toEqual(before);
      expect(before).toMatchObject({ status: 'running', attempts: 2, nextAttemptAt: null, error: null });
    });

    it('ignores progress of an older attempt once the next attempt started', async () => {
      const id = await given();
      await store.applyEvents([
        started(id),
        retrying(id),
        started(id, { attempt: 2, at: T0 + 1400 }),
        progress(id, 10, { attempt: 2, at: T0 + 1450 }),
      ]);

      const outcome = await store.applyEvents([progress(id, 90, { attempt: 1, at: T0 + 1460 })]);

      expect(outcome).toEqual({ applied: 0, ignored: 1, appliedEvents: [] });
      expect((await mustGet(id)).progress).toBe(10);
    });

    // The job waits for its next attempt: moving it back to running would drop next_attempt_at.
    it('ignores a redelivered started of the attempt that is already retrying', async () => {
      const id = await given();
      await store.applyEvents([started(id), retrying(id, { nextAttemptAt: T0 + 1300 })]);
      const before = await mustGet(id);

      const outcome = await store.applyEvents([started(id)]);

      expect(outcome).toEqual({ applied: 0, ignored: 1, appliedEvents: [] });
      expect(await mustGet(id)).toEqual(before);
    });
  });

  describe('loseWorkers', () => {
    it('shows jobs running on a lost worker as retrying, naming it, their attempt counted, and lets the rerun take over', async () => {
      const [onLost, onOther, waiting] = [await given(), await given(), await given()];
      await store.applyEvents([started(onLost, { worker: 'w-lost' }), started(onOther, { worker: 'w-alive' })]);

      const lost = await store.loseWorkers(['w-lost', 'w-gone-idle'], T0 + 1000);

      expect(lost.map((job) => job.id)).toEqual([onLost]);
      const job = await mustGet(onLost);
      expect(job).toMatchObject({ status: 'retrying', attempts: 1, nextAttemptAt: null, error: { code: 'worker_lost', retryable: true } });
      expect(job.error?.message).toContain('w-lost');
      expect((await store.history(onLost)).map((h) => [h.status, h.attempt, h.worker, h.error?.code ?? null])).toEqual([
        ['running', 1, 'w-lost', null],
        ['retrying', 1, 'w-lost', 'worker_lost'],
      ]);
      expect((await mustGet(onOther)).status).toBe('running');
      expect((await mustGet(waiting)).status).toBe('queued');
      // Idempotent: a second sweep (another api) finds nothing.
      expect(await store.loseWorkers(['w-lost'], T0 + 2000)).toEqual([]);

      // The broker hands the message to another worker, which runs attempt 2.
      await store.applyEvents([started(onLost, { attempt: 2, worker: 'w-new', at: T0 + 3000 })]);
      expect(await mustGet(onLost)).toMatchObject({ status: 'running', attempts: 2, worker: 'w-new' });
      await store.applyEvents([succeeded(onLost, 'done', { attempt: 2, worker: 'w-new', at: T0 + 4000 })]);
      expect(await mustGet(onLost)).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
    });

    it('still takes the lost worker’s own late outcome: a worker cut off from heartbeats may have finished', async () => {
      const id = await given();
      await store.applyEvents([started(id, { worker: 'w-slow' })]);
      await store.loseWorkers(['w-slow'], T0 + 1000);
      await store.applyEvents([succeeded(id, 'late', { worker: 'w-slow', at: T0 + 1500 })]);
      expect(await mustGet(id)).toMatchObject({ status: 'succeeded', attempts: 1, result: 'late' });
    });
  });

  describe('history', () => {
    it('records every status change of a run with retries, oldest first, and nothing for progress', async () => {
      const id = await given();

      await store.applyEvents([
        started(id, { at: T0 + 100 }),
        progress(id, 30, { at: T0 + 150 }),
        retrying(id, { at: T0 + 300, worker: 'worker-1' }),
        started(id, { attempt: 2, at: T0 + 1400, worker: 'worker-2' }),
        progress(id, 60, { attempt: 2, at: T0 + 1450, worker: 'worker-2' }),
        succeeded(id, 'ok', { attempt: 2, at: T0 + 1500, worker: 'worker-2' }),
      ]);

      expect(await store.history(id)).toEqual([
        transition('running', T0 + 100),
        transition('retrying', T0 + 300, { error: TIMED_OUT }),
        transition('running', T0 + 1400, { attempt: 2, worker: 'worker-2' }),
        transition('succeeded', T0 + 1500, { attempt: 2, worker: 'worker-2' }),
      ]);
    });

    it('records a failure with its error', async () => {
      const id = await given();

      await store.applyEvents([started(id, { at: T0 + 100 }), failed(id, { at: T0 + 300 })]);

      expect(await store.history(id)).toEqual([transition('running', T0 + 100), transition('failed', T0 + 300, { error: BOUNCED })]);
    });

    it('keeps the order of a start and a failure in the same millisecond', async () => {
      const id = await given();

      await store.applyEvents([started(id, { at: T0 + 100 }), failed(id, { at: T0 + 100 })]);

      expect((await store.history(id)).map((row) => row.status)).toEqual(['running', 'failed']);
    });

    it('records nothing for ignored events', async () => {
      const id = await given();
      await store.applyEvents([started(id), succeeded(id, 'ok')]);
      const before = await store.history(id);

      await store.applyEvents([
        succeeded(id, 'again', { at: T0 + 900 }),
        failed(id, { at: T0 + 950 }),
        retrying(id, { at: T0 + 960 }),
        started(id, { series: 2, attempt: 1 }),
      ]);

      expect(before).toHaveLength(2);
      expect(await store.history(id)).toEqual(before);
    });

    it('keeps each job its own history', async () => {
      const a = await given();
      const b = await given();

      await store.applyEvents([started(a), started(b, { at: T0 + 110 }), succeeded(b, 'ok', { at: T0 + 210 })]);

      expect(await store.history(a)).toEqual([transition('running', T0 + 100)]);
      expect((await store.history(b)).map((row) => row.status)).toEqual(['running', 'succeeded']);
    });
  });

  describe('applyEvents of a group with many outcomes', () => {
    /** Queued jobs, created in one batch; returns their ids. */
    async function givenMany(count: number): Promise<string[]> {
      const jobs = Array.from({ length: count }, () => newJob());
      await store.createJobs(jobs.map((job) => ({ job, message: messageFor(job) })));
      return jobs.map((job) => job.id);
    }

    it('applies the successes of 600 jobs in one call, each with its result, worker, times, attempt and history', async () => {
      const jobIds = await givenMany(600);
      const events = jobIds.map((id, i) =>
        succeeded(id, { n: i }, { attempt: 1 + (i % 2), at: T0 + 1000 + i, startedAt: T0 + 500 + i, worker: `worker-${i % 3}` }),
      );

      const outcome = await store.applyEvents(events);

      expect(outcome).toEqual({ applied: 600, ignored: 0, appliedEvents: events });
      const jobs = new Map((await store.list({ tenant: 'default', limit: 1000 })).map((job) => [job.id, job]));
      for (const [i, id] of jobIds.entries()) {
        expect(jobs.get(id)).toMatchObject({
          status: 'succeeded',
          result: { n: i },
          error: null,
          attempts: 1 + (i % 2),
          worker: `worker-${i % 3}`,
          startedAt: T0 + 500 + i,
          finishedAt: T0 + 1000 + i,
          updatedAt: T0 + 1000 + i,
          nextAttemptAt: null,
        });
        expect(await store.history(id)).toEqual([
          transition('succeeded', T0 + 1000 + i, { attempt: 1 + (i % 2), worker: `worker-${i % 3}` }),
        ]);
      }
    });

    it('applies a group mixing lone successes with a job that started and succeeded in it, ignoring a duplicate and an older series', async () => {
      const [both, alone, alsoAlone] = await givenMany(3);
      const done = await given();
      await store.applyEvents([started(done), succeeded(done, 'first')]);
      const redriven = await givenFailed();
      await store.redrive(redriven, redriveMessage());
      const before = { done: await mustGet(done), redriven: await mustGet(redriven) };
      const historyBefore = { done: await store.history(done), redriven: await store.history(redriven) };
      const bothStarted = started(both, { at: T0 + 100 });
      const bothSucceeded = succeeded(both, 'both', { at: T0 + 200 });

      const outcome = await store.applyEvents([
        succeeded(alone, 'alone', { at: T0 + 210 }),
        bothStarted,
        succeeded(done, 'duplicate', { at: T0 + 220 }),
        succeeded(redriven, 'old series', { series: 1, at: T0 + 230 }),
        succeeded(alsoAlone, 'also alone', { at: T0 + 240 }),
        bothSucceeded,
      ]);

      expect(outcome).toMatchObject({ applied: 4, ignored: 2 });
      expect(outcome.appliedEvents?.map((event) => [event.job_id, event.kind]).sort()).toEqual(
        [
          [alone, 'succeeded'],
          [both, 'started'],
          [both, 'succeeded'],
          [alsoAlone, 'succeeded'],
        ].sort(),
      );
      expect(outcome.appliedEvents?.filter((event) => event.job_id === both)).toEqual([bothStarted, bothSucceeded]);
      expect(await mustGet(both)).toMatchObject({ status: 'succeeded', result: 'both', startedAt: T0 + 100, finishedAt: T0 + 200 });
      expect(await mustGet(alone)).toMatchObject({ status: 'succeeded', result: 'alone', finishedAt: T0 + 210 });
      expect(await mustGet(alsoAlone)).toMatchObject({ status: 'succeeded', result: 'also alone', finishedAt: T0 + 240 });
      expect(await store.history(both)).toEqual([transition('running', T0 + 100), transition('succeeded', T0 + 200)]);
      expect(await store.history(alone)).toEqual([transition('succeeded', T0 + 210)]);
      expect(await mustGet(done)).toEqual(before.done);
      expect(await mustGet(redriven)).toEqual(before.redriven);
      expect(before.redriven).toMatchObject({ status: 'queued', series: 2 });
      expect(await store.history(done)).toEqual(historyBefore.done);
      expect(await store.history(redriven)).toEqual(historyBefore.redriven);
    });

    it('records the running step at the start time of a success whose start was unreported, and none without the flag', async () => {
      const [unreported, reported] = await givenMany(2);

      await store.applyEvents([
        startUnreported(succeeded(unreported, 'quick', { at: T0 + 160, startedAt: T0 + 150, worker: 'worker-4' })),
        succeeded(reported, 'ok', { at: T0 + 160, startedAt: T0 + 150 }),
      ]);

      expect(await store.history(unreported)).toEqual([
        transition('running', T0 + 150, { worker: 'worker-4' }),
        transition('succeeded', T0 + 160, { worker: 'worker-4' }),
      ]);
      expect(await mustGet(unreported)).toMatchObject({ status: 'succeeded', startedAt: T0 + 150, finishedAt: T0 + 160 });
      expect(await store.history(reported)).toEqual([transition('succeeded', T0 + 160)]);
    });

    it('reports an unreported start to the live streams as a started event before the outcome, in arrival order', async () => {
      const [first, second] = await givenMany(2);
      const quick = startUnreported(succeeded(second, 'quick', { at: T0 + 160, startedAt: T0 + 150, worker: 'worker-4' }));

      const result = await store.applyEvents([succeeded(first, 'ok', { at: T0 + 140, startedAt: T0 + 130 }), quick]);

      expect(result.applied).toBe(2);
      expect(result.appliedEvents?.map((event) => [event.job_id, event.kind, event.at])).toEqual([
        [first, 'succeeded', T0 + 140],
        [second, 'started', T0 + 150],
        [second, 'succeeded', T0 + 160],
      ]);
      expect(result.appliedEvents?.[1]).toMatchObject({ series: 1, attempt: quick.attempt, worker: 'worker-4', type: quick.type });
    });

    it.each<[string, (id: string) => JobRetryingEvent | JobFailedEvent]>([
      ['retrying', (id) => retrying(id, { startedAt: T0 + 150, at: T0 + 160 })],
      ['failed', (id) => failed(id, { at: T0 + 160 })],
    ])('records the running step at the start time of a %s outcome whose start was unreported', async (status, outcomeOf) => {
      const id = await given();
      const event = startUnreported(outcomeOf(id));

      await store.applyEvents([event]);

      expect((await store.history(id)).map((row) => [row.status, row.at])).toEqual([
        ['running', event.started_at],
        [status, T0 + 160],
      ]);
    });

    it('leaves jobs cancelled or failed meanwhile as they are, and applies the rest of the group', async () => {
      const [cancelled, failedMeanwhile, open] = await givenMany(3);
      await store.applyEvents([started(cancelled), started(failedMeanwhile), failed(failedMeanwhile)]);
      await store.cancel(cancelled, T0 + 500);
      const before = { cancelled: await mustGet(cancelled), failed: await mustGet(failedMeanwhile) };
      const historyBefore = { cancelled: await store.history(cancelled), failed: await store.history(failedMeanwhile) };

      const outcome = await store.applyEvents([
        startUnreported(succeeded(cancelled, 'too late', { at: T0 + 600 })),
        succeeded(failedMeanwhile, 'too late', { at: T0 + 600 }),
        succeeded(open, 'ok', { at: T0 + 600 }),
      ]);

      expect(outcome).toMatchObject({ applied: 1, ignored: 2 });
      expect(await mustGet(cancelled)).toEqual(before.cancelled);
      expect(before.cancelled.status).toBe('cancelled');
      expect(await mustGet(failedMeanwhile)).toEqual(before.failed);
      expect(await store.history(cancelled)).toEqual(historyBefore.cancelled);
      expect(await store.history(failedMeanwhile)).toEqual(historyBefore.failed);
      expect(await mustGet(open)).toMatchObject({ status: 'succeeded', result: 'ok' });
    });
  });

  describe('redrive', () => {
    it('reruns a failed job as series 2: queued, attempts 0, outcome cleared, its message committed with it', async () => {
      const id = await given({ priority: 4 });
      await store.applyEvents([started(id), progress(id, 50), failed(id)]);
      const created = { ...(await mustGet(id)) };
      const build = redriveMessage();

      const before = Date.now();
      const job = await store.redrive(id, build);
      const after = Date.now();

      expect(job).toEqual({
        ...created,
        status: 'queued',
        series: 2,
        attempts: 0,
        result: null,
        error: null,
        progress: null,
        startedAt: null,
        finishedAt: null,
        nextAttemptAt: null,
        worker: null,
        updatedAt: expect.any(Number),
      });
      expect(job!.updatedAt).toBeGreaterThanOrEqual(before);
      expect(job!.updatedAt).toBeLessThanOrEqual(after);
      expect(await store.get(id)).toEqual(job);
      expect(build.mock.calls).toEqual([[job]]);
      expect(await store.outboxBacklog()).toBe(2);
      expect(await dueMessages()).toContainEqual(build.mock.results[0].value);
      expect((await store.history(id)).at(-1)).toEqual(transition('queued', job!.updatedAt, { series: 2, attempt: 0, worker: null }));
    });

    it('reruns a cancelled job as series 2, with no finish time and its new message due', async () => {
      const id = await given();
      await store.cancel(id, T0 + 500);
      const build = redriveMessage();

      const job = await store.redrive(id, build);

      expect(job).toMatchObject({ id, status: 'queued', series: 2, attempts: 0, finishedAt: null });
      expect(await dueMessages()).toEqual([build.mock.results[0].value]);
    });

    it('runs the new series from its first attempt and redrives it again as series 3', async () => {
      const id = await givenFailed();
      await store.redrive(id, redriveMessage());
      const now = Date.now();

      const events = [started(id, { series: 2, at: now + 100 }), failed(id, { series: 2, at: now + 200 })];

      const outcome = await store.applyEvents(events);
      const failedAgain = await mustGet(id);
      const third = await store.redrive(id, redriveMessage());

      expect(outcome).toEqual({ applied: 2, ignored: 0, appliedEvents: events });
      expect(failedAgain).toMatchObject({ status: 'failed', series: 2, attempts: 1 });
      expect(third).toMatchObject({ status: 'queued', series: 3, attempts: 0 });
    });

    it('ignores every event of the series before the redrive', async () => {
      const id = await givenFailed();
      await store.redrive(id, redriveMessage());
      const before = await mustGet(id);
      const historyBefore = await store.history(id);

      const outcome = await store.applyEvents([
        started(id, { attempt: 2, at: T0 + 1400 }),
        progress(id, 70, { attempt: 2, at: T0 + 1450 }),
        retrying(id, { attempt: 2, at: T0 + 1500 }),
        succeeded(id, 'late', { attempt: 2, at: T0 + 1600 }),
        failed(id, { attempt: 2, at: T0 + 1700 }),
      ]);

      expect(outcome).toEqual({ applied: 0, ignored: 5, appliedEvents: [] });
      expect(await mustGet(id)).toEqual(before);
      expect(await store.history(id)).toEqual(historyBefore);
    });

    it('ignores an event of a series the job has not reached', async () => {
      const id = await given();

      const outcome = await store.applyEvents([started(id, { series: 2 })]);

      expect(outcome).toEqual({ applied: 0, ignored: 1, appliedEvents: [] });
      expect(await mustGet(id)).toMatchObject({ status: 'queued', series: 1, attempts: 0 });
    });

    it.each<[JobStatus, (id: string) => ReturnType<JobStore['applyEvents']> | undefined]>([
      ['queued', () => undefined],
      ['running', (id) => store.applyEvents([started(id)])],
      ['retrying', (id) => store.applyEvents([started(id), retrying(id)])],
      ['succeeded', (id) => store.applyEvents([started(id), succeeded(id, 'ok')])],
    ])('refuses a %s job: undefined, nothing written, no message built', async (status, bringTo) => {
      const id = await given();
      await bringTo(id);
      const before = await mustGet(id);
      const historyBefore = await store.history(id);
      const build = redriveMessage();

      const job = await store.redrive(id, build);

      expect(before.status).toBe(status);
      expect(job).toBeUndefined();
      expect(build).not.toHaveBeenCalled();
      expect(await mustGet(id)).toEqual(before);
      expect(await store.history(id)).toEqual(historyBefore);
      expect(await store.outboxBacklog()).toBe(1);
    });

    it('returns undefined for a job it does not know, building no message', async () => {
      const build = redriveMessage();

      expect(await store.redrive(uuidv7(), build)).toBeUndefined();
      expect(build).not.toHaveBeenCalled();
      expect(await store.outboxBacklog()).toBe(0);
    });

    it('changes nothing when the message cannot be stored', async () => {
      const first = newJob();
      const taken = messageFor(first);
      await store.createJob(first, taken);
      const id = await givenFailed();
      const before = await mustGet(id);
      const historyBefore = await store.history(id);

      await expectKeyViolation(store.redrive(id, (job) => ({ ...messageFor(job), id: taken.id })));

      expect(await mustGet(id)).toEqual(before);
      expect(await store.history(id)).toEqual(historyBefore);
      expect(await store.outboxBacklog()).toBe(2);
    });
  });

  describe('redriveMany', () => {
    it('redrives the failed and cancelled jobs of a type and says how many', async () => {
      const failedEmails = [await givenFailed(), await givenFailed()];
      const cancelledEmail = await given({ status: 'cancelled' });
      const failedVideo = await givenFailed({ type: 'video.process', queue: 'video' });
      const succeededEmail = await given();
      await store.applyEvents([started(succeededEmail), succeeded(succeededEmail, 'ok')]);
      const queuedEmail = await given();
      const build = redriveMessage();

      const count = await store.redriveMany({ tenant: 'default', type: 'email.welcome' }, build);

      expect(count).toBe(3);
      expect(build.mock.calls.map(([job]) => job.id).sort()).toEqual([...failedEmails, cancelledEmail].sort());
      expect((await store.list({ tenant: 'default', status: 'queued', limit: 10 })).map((job) => [job.id, job.series])).toEqual(
        [
          [queuedEmail, 1],
          [cancelledEmail, 2],
          [failedEmails[1], 2],
          [failedEmails[0], 2],
        ].sort((a, b) => (a[0] < b[0] ? 1 : -1)),
      );
      expect(await mustGet(failedVideo)).toMatchObject({ status: 'failed', series: 1 });
      expect(await mustGet(succeededEmail)).toMatchObject({ status: 'succeeded', series: 1 });
      expect(await store.outboxBacklog()).toBe(6 + 3);
    });

    it('redrives only jobs of the given status, of every type', async () => {
      const failedEmail = await givenFailed();
      const failedVideo = await givenFailed({ type: 'video.process', queue: 'video' });
      const cancelled = await given({ status: 'cancelled' });

      const failedCount = await store.redriveMany({ tenant: 'default', status: 'failed' }, redriveMessage());

      expect(failedCount).toBe(2);
      expect(ids(await store.list({ tenant: 'default', status: 'queued', limit: 10 })).sort()).toEqual([failedEmail, failedVideo].sort());
      expect(await mustGet(cancelled)).toMatchObject({ status: 'cancelled', series: 1 });
      expect(await store.redriveMany({ tenant: 'default', status: 'cancelled' }, redriveMessage())).toBe(1);
      expect(await mustGet(cancelled)).toMatchObject({ status: 'queued', series: 2 });
    });

    it('combines type and status', async () => {
      await givenFailed();
      const target = await givenFailed({ type: 'video.process', queue: 'video' });
      await given({ type: 'video.process', queue: 'video', status: 'cancelled' });

      expect(await store.redriveMany({ tenant: 'default', type: 'video.process', status: 'failed' }, redriveMessage())).toBe(1);
      expect(ids(await store.list({ tenant: 'default', status: 'queued', limit: 10 }))).toEqual([target]);
    });

    it('redrives nothing for a status that cannot be redriven, or a type with no failed jobs', async () => {
      const done = await given();
      await store.applyEvents([started(done), succeeded(done, 'ok')]);
      await given();
      await givenFailed({ type: 'video.process', queue: 'video' });
      const build = redriveMessage();

      const counts = [
        await store.redriveMany({ tenant: 'default', status: 'succeeded' }, build),
        await store.redriveMany({ tenant: 'default', status: 'queued' }, build),
        await store.redriveMany({ tenant: 'default', type: 'email.welcome' }, build),
      ];

      expect(counts).toEqual([0, 0, 0]);
      expect(build).not.toHaveBeenCalled();
      expect(await mustGet(done)).toMatchObject({ status: 'succeeded', series: 1 });
      expect(await store.outboxBacklog()).toBe(3);
    });
  });

  describe('outbox', () => {
    it('counts every waiting message, due or not', async () => {
      const a = newJob();
      const b = newJob();
      await store.createJob(a, messageFor(a));
      await store.createJob(b, messageFor(b, { availableAt: Date.now() + 60_000 }));

      expect(await store.outboxBacklog()).toBe(2);
    });

    it('claims only messages that are due', async () => {
      const due = newJob();
      const later = newJob();
      const dueMessage = messageFor(due);
      await store.createJob(due, dueMessage);
      await store.createJob(later, messageFor(later, { availableAt: Date.now() + 60_000 }));

      expect(await store.claimOutbox(10, 30_000)).toEqual([dueMessage]);
    });

    it('hides a claimed message for its lease: a second claim right after gets none', async () => {
      await given();

      const first = await store.claimOutbox(10, 60_000);
      const second = await store.claimOutbox(10, 60_000);

      expect(first).toHaveLength(1);
      expect(second).toEqual([]);
      expect(await store.outboxBacklog()).toBe(1);
    });

    it('makes a released message claimable again at once', async () => {
      await given();
      const [claimed] = await store.claimOutbox(10, 60_000);

      await store.releaseOutbox(claimed.id);

      expect(await store.claimOutbox(10, 60_000)).toEqual([claimed]);
    });

    it('makes a message due again when its lease ends', async () => {
      await given();
      const [claimed] = await store.claimOutbox(10, 200);
      expect(await store.claimOutbox(10, 200)).toEqual([]);

      const again = await waitFor(
        async () => {
          const messages = await store.claimOutbox(10, 200);
          return messages.length > 0 && messages;
        },
        { timeoutMs: 5000, what: 'the lease to end' },
      );

      expect(again).toEqual([claimed]);
    });

    it('claims at most limit messages, the earliest due first', async () => {
      const jobs = [newJob(), newJob(), newJob()];
      const messages = jobs.map((job, i) => messageFor(job, { availableAt: T0 + 100 * (3 - i) }));
      for (const [i, job] of jobs.entries()) await store.createJob(job, messages[i]);

      const first = await store.claimOutbox(2, 60_000);
      const rest = await store.claimOutbox(2, 60_000);

      expect(ids(first)).toEqual([messages[2].id, messages[1].id]);
      expect(ids(rest)).toEqual([messages[0].id]);
    });

    it('never hands one message to two stores claiming at once', async () => {
      for (let i = 0; i < 20; i += 1) await given();
      const other = backend.open();
      try {
        const [mine, theirs] = await Promise.all([store.claimOutbox(20, 60_000), other.claimOutbox(20, 60_000)]);

        const claimed = [...ids(mine), ...ids(theirs)];
        expect(new Set(claimed).size).toBe(claimed.length);
        expect(claimed.length).toBeGreaterThan(0);
      } finally {
        await other.close();
      }
    });

    it('claims a job message stored without a target as one for the jobs exchange', async () => {
      const job = newJob();
      const message: OutboxMessage = messageFor(job);
      delete message.target;
      await store.createJob(job, message);

      expect(await dueMessages()).toEqual([{ ...message, target: 'jobs' }]);
    });

    it('deletes confirmed messages and keeps the others', async () => {
      const jobs = [newJob(), newJob(), newJob()];
      const messages = jobs.map((job) => messageFor(job));
      for (const [i, job] of jobs.entries()) await store.createJob(job, messages[i]);

      await store.deleteOutbox([messages[0].id, messages[2].id]);
      await store.deleteOutbox([]);

      expect(await store.outboxBacklog()).toBe(1);
      expect(await dueMessages()).toEqual([messages[1]]);
      expect(ids(await store.list({ tenant: 'default', limit: 10 }))).toHaveLength(3);
    });
  });

  describe('deleteOutbox of a delayed job message', () => {
    /** A job delayed until `runAt`, its message due then. */
    async function givenScheduled(runAt = T0 + 60_000): Promise<{ id: string; message: OutboxMessage }> {
      const job = newJob({ status: 'scheduled', runAt });
      const message = messageFor(job, { availableAt: runAt });
      await store.createJob(job, message);
      return { id: job.id, message };
    }

    it('makes the job queued once its message is confirmed, recording a queued transition at attempt 0', async () => {
      const { id, message } = await givenScheduled();

      const before = Date.now();
      await store.deleteOutbox([message.id]);
      const after = Date.now();

      const job = await mustGet(id);
      expect(job).toMatchObject({ status: 'queued', attempts: 0, runAt: T0 + 60_000 });
      expect(job.updatedAt).toBeGreaterThanOrEqual(before);
      expect(job.updatedAt).toBeLessThanOrEqual(after);
      expect(await store.history(id)).toEqual([transition('queued', job.updatedAt, { attempt: 0, worker: null })]);
      expect(await store.outboxBacklog()).toBe(0);
    });

    it('queues every delayed job of the confirmed messages, and only those', async () => {
      const a = await givenScheduled();
      const b = await givenScheduled();
      const waiting = await givenScheduled();

      await store.deleteOutbox([a.message.id, b.message.id]);

      expect((await mustGet(a.id)).status).toBe('queued');
      expect((await mustGet(b.id)).status).toBe('queued');
      expect(await mustGet(waiting.id)).toMatchObject({ status: 'scheduled', updatedAt: T0 });
      expect(await store.history(waiting.id)).toEqual([]);
    });

    it('leaves a job that was already queued as it was, with no transition', async () => {
      const job = newJob();
      const message = messageFor(job);
      await store.createJob(job, message);
      const before = await mustGet(job.id);

      await store.deleteOutbox([message.id]);

      expect(await mustGet(job.id)).toEqual(before);
      expect(await store.history(job.id)).toEqual([]);
    });

    it('does not queue a job whose message is confirmed a second time after it started', async () => {
      const { id, message } = await givenScheduled();
      await store.deleteOutbox([message.id]);
      await store.applyEvents([started(id, { at: Date.now() })]);
      const before = await mustGet(id);

      await store.deleteOutbox([message.id]);

      expect(await mustGet(id)).toEqual(before);
      expect((await store.history(id)).map((row) => row.status)).toEqual(['queued', 'running']);
    });

    it('records the queued entry at attempt 0 when the worker started the job before the confirm came back', async () => {
      const { id, message } = await givenScheduled();
      await store.applyEvents([started(id, { at: Date.now() })]);

      await store.deleteOutbox([message.id]);

      expect((await mustGet(id)).status).toBe('running');
      expect((await store.history(id)).map((row) => [row.status, row.attempt])).toEqual([
        ['queued', 0],
        ['running', 1],
      ]);
      await store.deleteOutbox([message.id]);
      expect((await store.history(id)).map((row) => row.status)).toEqual(['queued', 'running']);
    });

    it('adds no queued entry when the message sent is the cancel command of a cancelled delayed job', async () => {
      const { id } = await givenScheduled();
      const command = (job: { id: string; queue: string; priority: number }) =>
        messageFor(job, { target: 'control', routingKey: 'control' });
      await store.cancel(id, Date.now(), command);
      const [sent] = await store.claimOutbox(10, 1000);

      await store.deleteOutbox([sent.id]);

      expect((await mustGet(id)).status).toBe('cancelled');
      expect((await store.history(id)).map((row) => row.status)).toEqual(['cancelled']);
    });

    it('adds no queued entry to a job dispatched without a delay that a worker started first', async () => {
      const job = newJob();
      const message = messageFor(job);
      await store.createJob(job, message);
      await store.applyEvents([started(job.id, { at: Date.now() })]);

      await store.deleteOutbox([message.id]);

      expect((await store.history(job.id)).map((row) => row.status)).toEqual(['running']);
    });

    it('ignores ids it does not hold', async () => {
      const { id } = await givenScheduled();

      await store.deleteOutbox([uuidv7()]);

      expect((await mustGet(id)).status).toBe('scheduled');
      expect(await store.outboxBacklog()).toBe(1);
    });
  });

  describe('nextOutboxDue', () => {
    it('is undefined with an empty outbox', async () => {
      expect(await store.nextOutboxDue()).toBeUndefined();
    });

    it('is the earliest time a message becomes due, whether that is past or future', async () => {
      const jobs = [newJob(), newJob(), newJob()];
      await store.createJob(jobs[0], messageFor(jobs[0], { availableAt: T0 + 5000 }));
      await store.createJob(jobs[1], messageFor(jobs[1], { availableAt: T0 + 1000 }));
      await store.createJob(jobs[2], messageFor(jobs[2], { createdAt: T0 + 2000 }));

      expect(await store.nextOutboxDue()).toBe(T0 + 1000);
    });

    it('moves to the end of the lease of a claimed message', async () => {
      await given();

      const before = Date.now();
      await store.claimOutbox(10, 60_000);
      const after = Date.now();

      const next = await store.nextOutboxDue();
      expect(next).toBeGreaterThanOrEqual(before + 60_000);
      expect(next).toBeLessThanOrEqual(after + 60_000);
    });

    it('is undefined again once every message is confirmed', async () => {
      const job = newJob();
      const message = messageFor(job, { availableAt: Date.now() + 60_000 });
      await store.createJob(job, message);

      await store.deleteOutbox([message.id]);

      expect(await store.nextOutboxDue()).toBeUndefined();
    });
  });

  describe('cancel', () => {
    const NOW = T0 + 10_000;

    /** A cancel command builder that the test can ask what it was called with. */
    function cancelCommand() {
      return jest.fn((job: JobRecord) =>
        messageFor(job, {
          routingKey: '',
          body: JSON.stringify({ kind: 'cancel', job_id: job.id, series: job.series }),
          target: 'control',
        }),
      );
    }

    it('cancels a queued job: finished now, its unpublished message dropped, a cancelled transition recorded', async () => {
      const id = await given();
      const before = await mustGet(id);

      const outcome = await store.cancel(id, NOW);

      expect(outcome).toEqual({ before, cancelled: true });
      expect(await mustGet(id)).toEqual({ ...before, status: 'cancelled', finishedAt: NOW, updatedAt: NOW });
      expect(await store.outboxBacklog()).toBe(0);
      expect(await store.history(id)).toEqual([transition('cancelled', NOW, { attempt: 0, worker: null })]);
    });

    it('cancels a delayed job before its run time, so nothing is left to publish', async () => {
      const job = newJob({ status: 'scheduled', runAt: Date.now() + 60_000 });
      await store.createJob(job, messageFor(job, { availableAt: job.runAt! }));

      const outcome = await store.cancel(job.id, NOW);

      expect(outcome?.cancelled).toBe(true);
      expect(await mustGet(job.id)).toMatchObject({ status: 'cancelled', finishedAt: NOW });
      expect(await store.nextOutboxDue()).toBeUndefined();
    });

    it('cancels a retrying job, clearing its next attempt time, recorded at the attempt it reached', async () => {
      const id = await given();
      await store.applyEvents([started(id), retrying(id, { nextAttemptAt: T0 + 1300 })]);

      await store.cancel(id, NOW);

      expect(await mustGet(id)).toMatchObject({ status: 'cancelled', nextAttemptAt: null, attempts: 1, finishedAt: NOW });
      expect((await store.history(id)).at(-1)).toEqual(transition('cancelled', NOW, { attempt: 1, worker: null }));
    });

    it('commits the control command built from the job as it was, claimed with target control', async () => {
      const id = await given();
      await store.applyEvents([started(id)]);
      const before = await mustGet(id);
      const command = cancelCommand();

      await store.cancel(id, NOW, command);

      expect(command.mock.calls).toEqual([[before]]);
      expect(await dueMessages()).toEqual([{ ...command.mock.results[0].value, target: 'control' }]);
    });

    it('drops only the cancelled job messages', async () => {
      const cancelled = await given();
      const other = newJob();
      const kept = messageFor(other);
      await store.createJob(other, kept);

      await store.cancel(cancelled, NOW);

      expect(await dueMessages()).toEqual([kept]);
    });

    it.each<[JobStatus, (id: string) => Promise<unknown>]>([
      ['succeeded', (id) => store.applyEvents([started(id), succeeded(id, 'ok')])],
      ['failed', (id) => store.applyEvents([started(id), failed(id)])],
      ['cancelled', (id) => store.cancel(id, T0 + 500)],
    ])('leaves a %s job as it is: not cancelled, no command built, nothing written', async (status, bringTo) => {
      const id = await given();
      await bringTo(id);
      const before = await mustGet(id);
      const historyBefore = await store.history(id);
      const backlogBefore = await store.outboxBacklog();
      const command = cancelCommand();

      const outcome = await store.cancel(id, NOW, command);

      expect(before.status).toBe(status);
      expect(outcome).toEqual({ before, cancelled: false });
      expect(command).not.toHaveBeenCalled();
      expect(await mustGet(id)).toEqual(before);
      expect(await store.history(id)).toEqual(historyBefore);
      expect(await store.outboxBacklog()).toBe(backlogBefore);
    });

    it('returns undefined for a job it does not know, building no command and writing nothing', async () => {
      const command = cancelCommand();

      expect(await store.cancel(uuidv7(), NOW, command)).toBeUndefined();
      expect(command).not.toHaveBeenCalled();
      expect(await store.outboxBacklog()).toBe(0);
    });

    it('changes nothing when the command cannot be stored', async () => {
      const other = newJob();
      const taken = messageFor(other);
      await store.createJob(other, taken);
      const id = await given();
      const before = await mustGet(id);

      await expectKeyViolation(store.cancel(id, NOW, (job) => ({ ...messageFor(job), id: taken.id, target: 'control' })));

      expect(await mustGet(id)).toEqual(before);
      expect(await store.history(id)).toEqual([]);
      expect(await store.outboxBacklog()).toBe(2);
    });

    it('ignores a worker outcome that arrives after the cancellation', async () => {
      const id = await given();
      await store.applyEvents([started(id)]);
      await store.cancel(id, NOW);
      const before = await mustGet(id);

      const outcome = await store.applyEvents([succeeded(id, 'too late', { at: NOW + 100 })]);

      expect(outcome).toMatchObject({ applied: 0, ignored: 1 });
      expect(await mustGet(id)).toEqual(before);
    });

    it('cancels once when two requests race: one command, one transition', async () => {
      const id = await given();
      await store.applyEvents([started(id)]);
      const command = cancelCommand();

      // One store: SQLite serves one api instance; PostgreSQL runs the two on separate pooled connections.
      const outcomes = await Promise.all([store.cancel(id, NOW, command), store.cancel(id, NOW + 1, command)]);

      expect(outcomes.map((outcome) => outcome?.cancelled).sort()).toEqual([false, true]);
      expect(command).toHaveBeenCalledTimes(1);
      expect(await store.outboxBacklog()).toBe(1);
      expect((await store.history(id)).filter((row) => row.status === 'cancelled')).toHaveLength(1);
    });
  });

  describe('purgeFinished', () => {
    const CUTOFF = T0 + 10_000;

    /** A job of `type` that finished at `at` with the given outcome. */
    async function givenFinished(kind: 'succeeded' | 'failed' | 'cancelled', at: number, type = 'email.welcome'): Promise<string> {
      const id = await given({ type });
      if (kind === 'succeeded') await store.applyEvents([started(id, { at: at - 1 }), succeeded(id, 'ok', { at })]);
      if (kind === 'failed') await store.applyEvents([started(id, { at: at - 1 }), failed(id, { at })]);
      if (kind === 'cancelled') await store.cancel(id, at);
      expect(await mustGet(id)).toMatchObject({ status: kind, finishedAt: at });
      return id;
    }

    it('deletes succeeded, failed and cancelled jobs of the type finished before the cutoff, with their history', async () => {
      const purgedIds = [
        await givenFinished('succeeded', CUTOFF - 1),
        await givenFinished('failed', T0 + 300),
        await givenFinished('cancelled', T0 + 500),
      ];

      const count = await store.purgeFinished('email.welcome', CUTOFF, 100);

      expect(count).toBe(3);
      for (const id of purgedIds) {
        expect(await store.get(id)).toBeUndefined();
        expect(await store.history(id)).toEqual([]);
        expect(await store.isPurged(id, 'default')).toBe(true);
      }
      expect(await store.list({ tenant: 'default', limit: 10 })).toEqual([]);
    });

    it('keeps unfinished jobs, jobs of other types and jobs finished at or after the cutoff', async () => {
      const queued = await given();
      const running = await given();
      await store.applyEvents([started(running)]);
      const retryingJob = await given();
      await store.applyEvents([started(retryingJob), retrying(retryingJob)]);
      const delayed = await given({ status: 'scheduled', runAt: T0 + 1000 });
      const atCutoff = await givenFinished('succeeded', CUTOFF);
      const later = await givenFinished('failed', CUTOFF + 5000);
      const otherType = await givenFinished('succeeded', T0 + 200, 'video.process');
      const purged = await givenFinished('succeeded', T0 + 200);

      const count = await store.purgeFinished('email.welcome', CUTOFF, 100);

      expect(count).toBe(1);
      expect(await store.isPurged(purged, 'default')).toBe(true);
      const kept = [queued, running, retryingJob, delayed, atCutoff, later, otherType];
      expect(ids(await store.list({ tenant: 'default', limit: 100 })).sort()).toEqual([...kept].sort());
      for (const id of kept) expect(await store.isPurged(id, 'default')).toBe(false);
      expect((await store.history(later)).map((row) => row.status)).toEqual(['running', 'failed']);
    });

    it('purges at most limit jobs per call, the rest on later calls', async () => {
      for (let i = 0; i < 5; i += 1) await givenFinished('succeeded', T0 + 200 + i);

      const counts = [
        await store.purgeFinished('email.welcome', CUTOFF, 2),
        await store.purgeFinished('email.welcome', CUTOFF, 2),
        await store.purgeFinished('email.welcome', CUTOFF, 2),
        await store.purgeFinished('email.welcome', CUTOFF, 2),
      ];

      expect(counts).toEqual([2, 2, 1, 0]);
      expect(await store.list({ tenant: 'default', limit: 10 })).toEqual([]);
    });

    it('returns 0 when nothing is due for purging', async () => {
      const id = await givenFinished('succeeded', CUTOFF + 1);

      expect(await store.purgeFinished('email.welcome', CUTOFF, 100)).toBe(0);
      expect(await store.purgeFinished('no.such-type', CUTOFF + 10_000, 100)).toBe(0);
      expect(await store.get(id)).toMatchObject({ status: 'succeeded' });
    });
  });

  describe('activity', () => {
    /** The start of T0's minute. */
    const M = Math.floor(T0 / 60_000) * 60_000;

    /** A job of `tenant` that ran from `startedAt` and ended `outcome` at `at`. */
    async function finishedAt(
      at: number,
      outcome: 'succeeded' | 'failed',
      options: { tenant?: string; startedAt?: number } = {},
    ): Promise<string> {
      const id = await given({ tenant: options.tenant });
      const startedAt = options.startedAt ?? at - 10;
      await store.applyEvents([
        started(id, { at: startedAt }),
        outcome === 'succeeded' ? succeeded(id, {}, { at, startedAt }) : { ...failed(id, { at }), started_at: startedAt },
      ]);
      return id;
    }

    it('counts successes and failures per minute from `since`, of the tenant only, leaving out cancels and unfinished jobs', async () => {
      await finishedAt(M - 1, 'succeeded'); // before the window
      await finishedAt(M, 'succeeded');
      await finishedAt(M + 59_999, 'succeeded');
      await finishedAt(M + 30_000, 'failed');
      await finishedAt(M + 120_000, 'failed');
      await finishedAt(M + 120_001, 'failed');
      await finishedAt(M + 10, 'succeeded', { tenant: 'globex' });
      const running = await given();
      await store.applyEvents([started(running, { at: M + 5 })]);
      const cancelled = await given();
      expect(await store.cancel(cancelled, M + 6)).toMatchObject({ cancelled: true });

      expect(await store.finishedPerMinute('default', M)).toEqual([
        { minute: M, succeeded: 2, failed: 1 },
        { minute: M + 120_000, succeeded: 0, failed: 2 },
      ]);
      expect(await store.finishedPerMinute('globex', M)).toEqual([{ minute: M, succeeded: 1, failed: 0 }]);
      expect(await store.finishedPerMinute('initech', M)).toEqual([]);
    });

    it('gives the durations of the latest finishes, newest first, from the start of their last attempt', async () => {
      await finishedAt(M + 1_000, 'succeeded', { startedAt: M + 900 });
      await finishedAt(M + 3_000, 'failed', { startedAt: M + 2_500 });
      await finishedAt(M + 2_000, 'succeeded', { startedAt: M + 1_980, tenant: 'globex' });
      const retried = await given();
      await store.applyEvents([
        started(retried, { at: M + 4_000 }),
        retrying(retried, { at: M + 4_100, startedAt: M + 4_000, nextAttemptAt: M + 5_000 }),
        started(retried, { attempt: 2, at: M + 5_000 }),
        succeeded(retried, {}, { attempt: 2, at: M + 5_600, startedAt: M + 5_000 }),
      ]);
      await finishedAt(M - 10, 'succeeded', { startedAt: M - 20 }); // before `since`

      expect(await store.recentDurations('default', M, 10)).toEqual([600, 500, 100]);
      expect(await store.recentDurations('default', M, 2)).toEqual([600, 500]);
      expect(await store.recentDurations('globex', M, 10)).toEqual([20]);
    });

    it('says since when the longest-waiting queued job waits: a redriven one from its redrive, not its creation', async () => {
      expect(await store.oldestQueuedSince('default')).toBeUndefined();
      const redriven = await givenFailed({ createdAt: T0 - 50_000 });
      await given({ createdAt: T0 + 5 });
      await given({ createdAt: T0 + 1 });
      await given({ createdAt: T0 - 9_000, tenant: 'globex' });
      const running = await given({ createdAt: T0 - 8_000 });
      await store.applyEvents([started(running)]);

      expect(await store.oldestQueuedSince('default')).toBe(T0 + 1);
      expect(await store.oldestQueuedSince('globex')).toBe(T0 - 9_000);

      const beforeRedrive = Date.now();
      await store.redrive(redriven, (job) => messageFor(job));
      const afterRedrive = Date.now();
      expect(await store.oldestQueuedSince('default')).toBe(T0 + 1);
      const others = await store.list({ tenant: 'default', status: 'queued', limit: 10 });
      await store.applyEvents(others.filter((job) => job.id !== redriven).map((job) => started(job.id)));

      const since = await store.oldestQueuedSince('default');
      expect(since).toBeGreaterThanOrEqual(beforeRedrive);
      expect(since).toBeLessThanOrEqual(afterRedrive);
    });
  });

  describe('tombstones', () => {
    it('knows no tombstone for an id never purged, stored or not', async () => {
      const id = await given();

      expect(await store.isPurged(id, 'default')).toBe(false);
      expect(await store.isPurged(uuidv7(), 'default')).toBe(false);
    });

    it('forgets tombstones made before the given time and keeps later ones', async () => {
      const id = await givenFailed();
      const before = Date.now();
      await store.purgeFinished('email.welcome', T0 + 10_000, 100);
      const after = Date.now();

      const keptCount = await store.purgeTombstones(before);
      const stillPurged = await store.isPurged(id, 'default');
      const forgottenCount = await store.purgeTombstones(after + 1);

      expect(keptCount).toBe(0);
      expect(stillPurged).toBe(true);
      expect(forgottenCount).toBe(1);
      expect(await store.isPurged(id, 'default')).toBe(false);
      expect(await store.get(id)).toBeUndefined();
    });
  });
});
