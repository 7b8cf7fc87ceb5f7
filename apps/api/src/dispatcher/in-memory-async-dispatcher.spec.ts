import { DemoFlaky, ErrorCode, PermanentJobError, VideoProcess, VideoProcessPayload, WelcomeEmail } from '@cask/contracts';
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
      job_id: id,
      type: 'email.welcome',
      status: 'succeeded',
      attempts: 1,
      max_attempts: 1,
      result: { delivered_to: 'ada@example.com', message_id: 'm-1' },
      error: null,
    });
  });

  it('records start and finish times once a job has run', async () => {
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, () => ({ delivered_to: 'x', message_id: 'm' }));

    const id = await dispatcher.dispatch(WelcomeEmail, ADA);
    await dispatcher.drain();

    const view = await dispatcher.getResult(id);
    expect([view?.created_at, view?.started_at, view?.finished_at].map((at) => typeof at === 'string' && !Number.isNaN(Date.parse(at)))).toEqual([
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

  it('records a PermanentJobError as failed with its code and not retryable', async () => {
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, () => {
      throw new PermanentJobError('mailbox does not exist', { code: 'bounced' });
    });

    const id = await dispatcher.dispatch(WelcomeEmail, ADA);
    await dispatcher.drain();

    expect(await dispatcher.getResult(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
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

    expect((await dispatcher.getResult(id))?.error).toEqual({ code: ErrorCode.HandlerError, message: 'database briefly down', retryable: true });
  });

  it('rejects an invalid payload with InvalidPayloadError naming the field, and never runs the handler', async () => {
    const handler = jest.fn(() => ({ delivered_to: 'x', message_id: 'm' }));
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, handler);

    const dispatched = dispatcher.dispatch(WelcomeEmail, { email: 'not-an-email', name: 'Ada' });

    await expect(dispatched).rejects.toBeInstanceOf(InvalidPayloadError);
    await expect(dispatched).rejects.toMatchObject({ code: ErrorCode.InvalidPayload, errors: [expect.objectContaining({ field: 'email' })] });
    await dispatcher.drain();
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects a priority outside 0 to 9 with InvalidPayloadError, and never runs the handler', async () => {
    const handler = jest.fn(() => ({ delivered_to: 'x', message_id: 'm' }));
    const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, handler);

    await expect(dispatcher.dispatch(WelcomeEmail, ADA, { priority: 10 })).rejects.toMatchObject({ errors: [{ field: 'priority', reason: expect.any(String) }] });
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
});
