import { ErrorCode, PermanentJobError, RetryableJobError, defineJob } from '@cask/contracts';
import { DemoFlaky, VideoProcess, VideoProcessPayload, WelcomeEmail } from '@cask/examples';
import { IsString } from 'class-validator';
import { BatchValidationError } from './dispatch-errors';
import { InMemoryAsyncDispatcher } from './in-memory-async-dispatcher';
import { InvalidPayloadError } from './invalid-payload.error';

/** A promise the test settles by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

const ADA = { email: 'ada@example.com', name: 'Ada' };

class NotePayload {
  @IsString()
  text: string;
}

class OwnedNote extends NotePayload {
  @IsString()
  owner: string;
}

/** A job whose definition allows five attempts. */
const PatientNote = defineJob<NotePayload, string>('notes.patient', { payload: NotePayload, retry: { maxAttempts: 5 } });

describe('InMemoryAsyncDispatcher', () => {
  it('runs the registered handler with the validated payload and records its result', async () => {
    const seen: unknown[] = [];
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, (payload) => {
      seen.push(payload);
      return { delivered_to: payload.email, message_id: 'm-1' };
    });

    const id = await dispatcher.dispatch(WelcomeEmail, ADA);
    await dispatcher.drain();

    expect(seen).toEqual([ADA]);
    expect(await dispatcher.getResult(id)).toMatchObject({
      id,
      type: 'email.welcome',
      status: 'succeeded',
      attempts: 1,
      maxAttempts: 3,
      result: { delivered_to: 'ada@example.com', message_id: 'm-1' },
      error: null,
      nextAttemptAt: null,
    });
  });

  it('records start and finish times once a job has run', async () => {
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, () => ({ delivered_to: 'x', message_id: 'm' }));

    const id = await dispatcher.dispatch(WelcomeEmail, ADA);
    await dispatcher.drain();

    const view = await dispatcher.getResult(id);
    expect([view?.createdAt, view?.startedAt, view?.finishedAt].map((at) => at instanceof Date && !Number.isNaN(at.getTime()))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('hands the handler the payload with its defaults filled in', async () => {
    const seen: VideoProcessPayload[] = [];
    const dispatcher = new InMemoryAsyncDispatcher().register(VideoProcess, (payload) => {
      seen.push(payload);
      return { url: payload.url, frames: 1, processed_ms: payload.duration_ms };
    });

    await dispatcher.dispatch(VideoProcess, { url: 'https://example.com/a.mp4' } as VideoProcessPayload);
    await dispatcher.drain();

    expect(seen[0].duration_ms).toBe(1000);
  });

  it('fails a PermanentJobError at once, with its code and not retryable, whatever attempts remain', async () => {
    const handler = jest.fn(() => {
      throw new PermanentJobError('mailbox does not exist', { code: 'bounced' });
    });
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, handler);

    const id = await dispatcher.dispatch(WelcomeEmail, ADA, { maxAttempts: 3 });
    await dispatcher.drain();

    expect(handler).toHaveBeenCalledTimes(1);
    expect(await dispatcher.getResult(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      maxAttempts: 3,
      result: null,
      error: { code: 'bounced', message: 'mailbox does not exist', retryable: false },
    });
  });

  it('records a plain thrown error as a retryable handler error', async () => {
    const dispatcher = new InMemoryAsyncDispatcher().register(DemoFlaky, async () => {
      throw new Error('database briefly down');
    });

    const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 1 });
    await dispatcher.drain();

    expect((await dispatcher.getResult(id))?.error).toEqual({
      code: ErrorCode.HandlerError,
      message: 'database briefly down',
      retryable: true,
    });
  });

  describe('retries', () => {
    it('retries a retryable failure at once and succeeds on the third of three attempts', async () => {
      const attempts: number[] = [];
      const dispatcher = new InMemoryAsyncDispatcher().register(DemoFlaky, (payload, context) => {
        attempts.push(context.attempt);
        if (context.attempt <= payload.fail_times) throw new RetryableJobError(`attempt ${context.attempt} failed`);
        return { attempts: context.attempt };
      });

      const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 2 }, { maxAttempts: 3 });
      await dispatcher.drain();

      expect(attempts).toEqual([1, 2, 3]);
      expect(await dispatcher.getResult(id)).toMatchObject({
        status: 'succeeded',
        attempts: 3,
        maxAttempts: 3,
        result: { attempts: 3 },
        error: null,
        nextAttemptAt: null,
      });
    });

    it('retries a plain thrown error, since it counts as retryable', async () => {
      const dispatcher = new InMemoryAsyncDispatcher().register(DemoFlaky, (_payload, context) => {
        if (context.attempt === 1) throw new Error('connection reset');
        return { attempts: context.attempt };
      });

      const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 1 });
      await dispatcher.drain();

      expect(await dispatcher.getResult(id)).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
    });

    it('fails with the last error once every attempt is used up', async () => {
      const handler = jest.fn((_payload: object, context: { attempt: number }) => {
        throw new RetryableJobError(`attempt ${context.attempt} failed`);
      });
      const dispatcher = new InMemoryAsyncDispatcher().register(DemoFlaky, handler);

      const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 10 }, { maxAttempts: 4 });
      await dispatcher.drain();

      expect(handler).toHaveBeenCalledTimes(4);
      expect(await dispatcher.getResult(id)).toMatchObject({
        status: 'failed',
        attempts: 4,
        maxAttempts: 4,
        result: null,
        error: { code: ErrorCode.Retryable, message: 'attempt 4 failed', retryable: true },
        nextAttemptAt: null,
      });
    });

    it('runs once when maxAttempts is 1, even for a retryable failure', async () => {
      const handler = jest.fn(() => {
        throw new RetryableJobError('flaky');
      });
      const dispatcher = new InMemoryAsyncDispatcher().register(DemoFlaky, handler);

      const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 1 }, { maxAttempts: 1 });
      await dispatcher.drain();

      expect(handler).toHaveBeenCalledTimes(1);
      expect(await dispatcher.getResult(id)).toMatchObject({ status: 'failed', attempts: 1, maxAttempts: 1 });
    });

    it('takes the attempts from the job definition when the dispatch does not say', async () => {
      const handler = jest.fn((): string => {
        throw new Error('still down');
      });
      const dispatcher = new InMemoryAsyncDispatcher().register(PatientNote, handler);

      const id = await dispatcher.dispatch(PatientNote, { text: 'hello' });
      await dispatcher.drain();

      expect(handler).toHaveBeenCalledTimes(5);
      expect(await dispatcher.getResult(id)).toMatchObject({ status: 'failed', attempts: 5, maxAttempts: 5 });
    });

    it('gives each attempt a fresh context with its attempt number and a signal not aborted', async () => {
      const contexts: Array<{ attempt: number; aborted: boolean; signal: AbortSignal }> = [];
      const dispatcher = new InMemoryAsyncDispatcher().register(DemoFlaky, (_payload, context) => {
        contexts.push({ attempt: context.attempt, aborted: context.signal.aborted, signal: context.signal });
        if (context.attempt < 3) throw new RetryableJobError('again');
        return { attempts: context.attempt };
      });

      const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 2 }, { maxAttempts: 3 });
      await dispatcher.drain();

      expect(contexts.map(({ attempt, aborted }) => ({ attempt, aborted }))).toEqual([
        { attempt: 1, aborted: false },
        { attempt: 2, aborted: false },
        { attempt: 3, aborted: false },
      ]);
      expect(new Set(contexts.map((context) => context.signal)).size).toBe(3);
      expect((await dispatcher.getResult(id))?.status).toBe('succeeded');
    });

    it.each([0, 101, 2.5])(
      'rejects maxAttempts %p with InvalidPayloadError naming max_attempts, and never runs the handler',
      async (maxAttempts) => {
        const handler = jest.fn(() => ({ attempts: 1 }));
        const dispatcher = new InMemoryAsyncDispatcher().register(DemoFlaky, handler);

        await expect(dispatcher.dispatch(DemoFlaky, { fail_times: 0 }, { maxAttempts })).rejects.toMatchObject({
          code: ErrorCode.InvalidPayload,
          errors: [{ field: 'max_attempts', reason: expect.any(String) }],
        });
        await dispatcher.drain();
        expect(handler).not.toHaveBeenCalled();
      },
    );
  });

  it('rejects an invalid payload with InvalidPayloadError naming the field, and never runs the handler', async () => {
    const handler = jest.fn(() => ({ delivered_to: 'x', message_id: 'm' }));
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, handler);

    const dispatched = dispatcher.dispatch(WelcomeEmail, { email: 'not-an-email', name: 'Ada' });

    await expect(dispatched).rejects.toBeInstanceOf(InvalidPayloadError);
    await expect(dispatched).rejects.toMatchObject({
      code: ErrorCode.InvalidPayload,
      errors: [expect.objectContaining({ field: 'email' })],
    });
    await dispatcher.drain();
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects a priority outside 0 to 9 with InvalidPayloadError, and never runs the handler', async () => {
    const handler = jest.fn(() => ({ delivered_to: 'x', message_id: 'm' }));
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, handler);

    await expect(dispatcher.dispatch(WelcomeEmail, ADA, { priority: 10 })).rejects.toMatchObject({
      errors: [{ field: 'priority', reason: expect.any(String) }],
    });
    await dispatcher.drain();
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects a job type with no registered handler, naming it', async () => {
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, () => ({ delivered_to: 'x', message_id: 'm' }));

    await expect(dispatcher.dispatch(DemoFlaky, { fail_times: 0 })).rejects.toThrow('no handler registered for "demo.flaky"');
  });

  it('shows progress reported by a running handler', async () => {
    const reported = deferred();
    const release = deferred();
    const dispatcher = new InMemoryAsyncDispatcher().register(VideoProcess, async (payload, context) => {
      await context.progress({ frames: 10, of: 40 });
      reported.resolve();
      await release.promise;
      return { url: payload.url, frames: 40, processed_ms: 0 };
    });

    const id = await dispatcher.dispatch(VideoProcess, { url: 'https://example.com/a.mp4', duration_ms: 0 });
    await reported.promise;

    expect(await dispatcher.getResult(id)).toMatchObject({ status: 'running', attempts: 1, progress: { frames: 10, of: 40 } });
    release.resolve();
    await dispatcher.drain();
    expect(await dispatcher.getResult(id)).toMatchObject({ status: 'succeeded', progress: { frames: 10, of: 40 } });
  });

  it('gives the handler a context naming the job and its first attempt', async () => {
    const contexts: Array<{ jobId: string; type: string; attempt: number; aborted: boolean }> = [];
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, (_payload, context) => {
      contexts.push({ jobId: context.jobId, type: context.type, attempt: context.attempt, aborted: context.signal.aborted });
      return { delivered_to: 'x', message_id: 'm' };
    });

    const id = await dispatcher.dispatch(WelcomeEmail, ADA);
    await dispatcher.drain();

    expect(contexts).toEqual([{ jobId: id, type: 'email.welcome', attempt: 1, aborted: false }]);
  });

  it('drain waits for jobs dispatched by running jobs', async () => {
    const dispatcher = new InMemoryAsyncDispatcher();
    let childId = '';
    dispatcher
      .register(DemoFlaky, async () => {
        childId = await dispatcher.dispatch(WelcomeEmail, ADA);
        return { attempts: 1 };
      })
      .register(WelcomeEmail, () => ({ delivered_to: 'ada@example.com', message_id: 'child' }));

    await dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await dispatcher.drain();

    expect(await dispatcher.getResult(childId)).toMatchObject({ status: 'succeeded', result: { message_id: 'child' } });
  });

  it('runs a group’s jobs no more at once than its concurrency, in dispatch order, other groups beside them', async () => {
    const Sync = defineJob<NotePayload & { owner: string }, string>('notes.owned', {
      payload: OwnedNote,
      group: { by: 'owner', concurrency: 1 },
    });
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    const running = new Set<string>();
    let most = 0;
    const order: string[] = [];
    const dispatcher = new InMemoryAsyncDispatcher().register(Sync, async ({ text, owner }) => {
      running.add(text);
      most = Math.max(most, [...running].filter((t) => t.startsWith(owner)).length);
      order.push(text);
      const gate = deferred<void>();
      gates.set(text, gate);
      await gate.promise;
      running.delete(text);
      return text;
    });

    const ids: string[] = [];
    for (const text of ['a1', 'a2', 'a3']) ids.push(await dispatcher.dispatch(Sync, { text, owner: 'a' }));
    await dispatcher.dispatch(Sync, { text: 'b1', owner: 'b' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['a1', 'b1']);
    expect(await dispatcher.getResult(ids[0])).toMatchObject({ group: 'a' });

    for (const text of ['a1', 'b1', 'a2', 'a3']) {
      while (!gates.has(text)) await new Promise((resolve) => setImmediate(resolve));
      gates.get(text)!.resolve();
    }
    await dispatcher.drain();

    expect(order).toEqual(['a1', 'b1', 'a2', 'a3']);
    expect(most).toBe(1);
  });

  describe('dispatchMany', () => {
    it('returns one id per item, in order, and runs every job on drain', async () => {
      const emails = jest.fn((payload: { email: string }) => ({ delivered_to: payload.email, message_id: 'm' }));
      const flaky = jest.fn((payload: { fail_times: number }) => ({ attempts: payload.fail_times + 1 }));
      const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, emails).register(DemoFlaky, flaky);

      const ids = await dispatcher.dispatchMany([
        { job: WelcomeEmail, payload: ADA },
        { job: DemoFlaky, payload: { fail_times: 0 } },
        { job: WelcomeEmail, payload: { email: 'grace@example.com', name: 'Grace' } },
      ]);
      await dispatcher.drain();

      expect(new Set(ids).size).toBe(3);
      expect(await Promise.all(ids.map(async (id) => (await dispatcher.getResult(id))?.result))).toEqual([
        { delivered_to: 'ada@example.com', message_id: 'm' },
        { attempts: 1 },
        { delivered_to: 'grace@example.com', message_id: 'm' },
      ]);
      expect(await Promise.all(ids.map(async (id) => (await dispatcher.getResult(id))?.type))).toEqual([
        'email.welcome',
        'demo.flaky',
        'email.welcome',
      ]);
    });

    it('applies each item its own options', async () => {
      const dispatcher = new InMemoryAsyncDispatcher().register(DemoFlaky, () => {
        throw new RetryableJobError('down');
      });

      const [once, twice] = await dispatcher.dispatchMany([
        { job: DemoFlaky, payload: { fail_times: 10 }, options: { maxAttempts: 1, priority: 9 } },
        { job: DemoFlaky, payload: { fail_times: 10 }, options: { maxAttempts: 2 } },
      ]);
      await dispatcher.drain();

      expect(await dispatcher.getResult(once)).toMatchObject({ status: 'failed', attempts: 1, priority: 9 });
      expect(await dispatcher.getResult(twice)).toMatchObject({ status: 'failed', attempts: 2, priority: 0 });
    });

    it('names every bad item by index, bad payload fields and unregistered types alike, and runs none of the batch', async () => {
      const handler = jest.fn(() => ({ delivered_to: 'x', message_id: 'm' }));
      const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, handler);

      const dispatched = dispatcher.dispatchMany([
        { job: WelcomeEmail, payload: ADA },
        { job: WelcomeEmail, payload: { email: 'not-an-email', name: 'Ada' } },
        { job: DemoFlaky, payload: { fail_times: 0 } },
      ]);

      await expect(dispatched).rejects.toBeInstanceOf(BatchValidationError);
      await expect(dispatched).rejects.toMatchObject({
        code: ErrorCode.InvalidPayload,
        errors: [
          { field: 'jobs[1].payload.email', reason: expect.any(String) },
          { field: 'jobs[2].type', reason: 'no handler registered for "demo.flaky"' },
        ],
      });
      await dispatcher.drain();
      expect(handler).not.toHaveBeenCalled();
    });

    it('names a payload that is not an object as jobs[i].payload', async () => {
      const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, () => ({ delivered_to: 'x', message_id: 'm' }));

      await expect(dispatcher.dispatchMany([{ job: WelcomeEmail, payload: null as unknown as object }])).rejects.toMatchObject({
        errors: [{ field: 'jobs[0].payload', reason: 'payload must be a JSON object' }],
      });
    });

    it('rejects a batch with bad options in a later item before running any of it', async () => {
      const handler = jest.fn(() => ({ delivered_to: 'x', message_id: 'm' }));
      const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, handler);

      const dispatched = dispatcher.dispatchMany([
        { job: WelcomeEmail, payload: ADA },
        { job: WelcomeEmail, payload: ADA, options: { priority: 10 } },
      ]);

      await expect(dispatched).rejects.toMatchObject({ errors: [{ field: 'jobs[1].priority', reason: expect.any(String) }] });
      await dispatcher.drain();
      expect(handler).not.toHaveBeenCalled();
    });

    it('returns no ids for an empty batch', async () => {
      expect(await new InMemoryAsyncDispatcher().dispatchMany([])).toEqual([]);
    });
  });

  it('answers null for an id it never dispatched', async () => {
    const dispatcher = new InMemoryAsyncDispatcher();

    expect(await dispatcher.getResult('0190b6a4-3c3e-7b6a-9f1e-2d3c4b5a6978')).toBeNull();
  });

  it('returns a copy of the view, so changing it changes nothing stored', async () => {
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, () => ({ delivered_to: 'x', message_id: 'm' }));
    const id = await dispatcher.dispatch(WelcomeEmail, ADA);
    await dispatcher.drain();

    const view = await dispatcher.getResult(id);
    view!.status = 'failed';

    expect((await dispatcher.getResult(id))?.status).toBe('succeeded');
  });

  describe('unique keys', () => {
    const Note = defineJob<NotePayload, string>('notes.unique', { payload: NotePayload, unique: { by: ['text'] } });

    it('drop: answers the job holding the key while it waits or runs, and makes a new one after it finished', async () => {
      const release = deferred();
      const dispatcher = new InMemoryAsyncDispatcher().register(Note, async (payload) => {
        await release.promise;
        return payload.text;
      });

      const first = await dispatcher.dispatchJob(Note, { text: 'a' });
      const again = await dispatcher.dispatchJob(Note, { text: 'a' });
      const other = await dispatcher.dispatchJob(Note, { text: 'b' });
      release.resolve();
      await dispatcher.drain();
      const later = await dispatcher.dispatchJob(Note, { text: 'a' });
      await dispatcher.drain();

      expect(first).toMatchObject({ outcome: 'created', unique: true });
      expect(again).toMatchObject({ jobId: first.jobId, outcome: 'existing' });
      expect(other.jobId).not.toBe(first.jobId);
      expect(later).toMatchObject({ outcome: 'created' });
      expect(later.jobId).not.toBe(first.jobId);
    });

    it('throttle: answers the first job for the window even once it finished; `unique: false` dispatches anyway', async () => {
      const dispatcher = new InMemoryAsyncDispatcher().register(Note, (payload) => payload.text);
      const throttle = { mode: 'throttle' as const, forMs: 60_000 };

      const first = await dispatcher.dispatchJob(Note, { text: 'a' }, { unique: throttle });
      await dispatcher.drain();
      const again = await dispatcher.dispatchJob(Note, { text: 'a' }, { unique: throttle });
      const forced = await dispatcher.dispatchJob(Note, { text: 'a' }, { unique: false });

      expect(again).toEqual({ jobId: first.jobId, outcome: 'existing', status: 'succeeded', unique: true });
      expect(forced).toMatchObject({ outcome: 'created', unique: false });
    });

    it('debounce: holds the job for its window, each dispatch replacing the payload; drain runs it with the last', async () => {
      const seen: string[] = [];
      const dispatcher = new InMemoryAsyncDispatcher().register(Note, (payload) => {
        seen.push(payload.text);
        return payload.text;
      });
      const debounce = { mode: 'debounce' as const, key: 'note', forMs: 60_000 };

      const first = await dispatcher.dispatchJob(Note, { text: 'a' }, { unique: debounce });
      const second = await dispatcher.dispatchJob(Note, { text: 'b' }, { unique: debounce });
      expect(seen).toEqual([]);
      await dispatcher.drain();

      expect(first).toMatchObject({ outcome: 'created', status: 'scheduled' });
      expect(second).toEqual({ jobId: first.jobId, outcome: 'debounced', status: 'scheduled', unique: true });
      expect(seen).toEqual(['b']);
      expect(await dispatcher.getResult(first.jobId)).toMatchObject({ status: 'succeeded', result: 'b' });
    });

    it('refuses unique settings it cannot honour, naming the field', async () => {
      const dispatcher = new InMemoryAsyncDispatcher().register(Note, (payload) => payload.text);

      await expect(dispatcher.dispatch(Note, { text: 'a' }, { unique: { mode: 'throttle' } })).rejects.toMatchObject({
        errors: [{ field: 'unique.for_ms', reason: 'must be given for mode throttle' }],
      });
      await expect(dispatcher.dispatch(Note, { text: 'a' }, { unique: { key: '' } })).rejects.toBeInstanceOf(InvalidPayloadError);
    });
  });

  describe('flows', () => {
    const Step = defineJob<NotePayload, string>('notes.step', { payload: NotePayload, retry: { maxAttempts: 1 } });

    it('runs each job after its parents, reading their results, and fails unrun what a fail edge blocks', async () => {
      const order: string[] = [];
      const dispatcher = new InMemoryAsyncDispatcher().register(Step, (payload, ctx) => {
        order.push(payload.text);
        if (payload.text === 'broken') throw new PermanentJobError('broken, as asked');
        return `${payload.text}(${Object.entries(ctx.parents)
          .map(([key, parent]) => `${key}:${parent.status}`)
          .join(',')})`;
      });

      const { flowId, jobIds } = await dispatcher.dispatchFlow([
        { key: 'a', job: Step, payload: { text: 'a' } },
        { key: 'b', job: Step, payload: { text: 'b' }, parents: ['a'] },
        { key: 'c', job: Step, payload: { text: 'c' }, parents: ['a'] },
        { key: 'd', job: Step, payload: { text: 'd' }, parents: ['b', 'c'] },
        { key: 'broken', job: Step, payload: { text: 'broken' } },
        { key: 'blocked', job: Step, payload: { text: 'blocked' }, parents: ['broken'] },
        { key: 'told', job: Step, payload: { text: 'told' }, parents: [{ key: 'broken', onFailure: 'continue' }] },
        { key: 'unbothered', job: Step, payload: { text: 'unbothered' }, parents: [{ key: 'broken', onFailure: 'ignore' }, 'a'] },
      ]);
      await dispatcher.drain();

      expect(order.indexOf('d')).toBeGreaterThan(Math.max(order.indexOf('b'), order.indexOf('c')));
      expect(order.indexOf('b')).toBeGreaterThan(order.indexOf('a'));
      expect(order).not.toContain('blocked');
      const result = async (key: string) => dispatcher.getResult(jobIds[key]);
      expect(await result('d')).toMatchObject({ status: 'succeeded', result: 'd(b:succeeded,c:succeeded)', flowId });
      expect(await result('blocked')).toMatchObject({ status: 'failed', error: { code: ErrorCode.ParentFailed }, attempts: 0 });
      expect(await result('told')).toMatchObject({ result: 'told(broken:failed)' });
      expect(await result('unbothered')).toMatchObject({ result: 'unbothered(a:succeeded)' });
    });

    it('runs a batch’s callback after every job of the batch, with their counts', async () => {
      const counts: unknown[] = [];
      const dispatcher = new InMemoryAsyncDispatcher().register(Step, (payload, ctx) => {
        if (payload.text === 'callback') counts.push(ctx.batch);
        if (payload.text === 'bad') throw new PermanentJobError('bad');
        return payload.text;
      });

      const batch = await dispatcher.dispatchBatch(
        [
          { job: Step, payload: { text: 'x' } },
          { job: Step, payload: { text: 'bad' } },
          { job: Step, payload: { text: 'y' } },
        ],
        { job: Step, payload: { text: 'callback' } },
      );
      await dispatcher.drain();

      expect(counts).toEqual([{ total: 3, succeeded: 2, failed: 1, cancelled: 0 }]);
      expect(await dispatcher.getResult(batch.callbackId)).toMatchObject({ status: 'succeeded', flowId: batch.flowId });
    });

    it('refuses a cyclic flow and a bad job, naming each, running nothing', async () => {
      const handler = jest.fn(() => 'ran');
      const dispatcher = new InMemoryAsyncDispatcher().register(Step, handler);

      await expect(
        dispatcher.dispatchFlow([
          { key: 'a', job: Step, payload: { text: 'a' }, parents: ['b'] },
          { key: 'b', job: Step, payload: { text: 3 } as unknown as NotePayload, parents: ['a'] },
        ]),
      ).rejects.toMatchObject({
        errors: [
          { field: 'nodes[0].parents', reason: expect.stringContaining('makes a cycle') },
          { field: 'nodes[1].payload.text', reason: expect.any(String) },
        ],
      });
      await dispatcher.drain();
      expect(handler).not.toHaveBeenCalled();
    });
  });
});
