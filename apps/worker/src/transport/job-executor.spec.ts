import type { Delivery } from '@cask/amqp';
import { DemoFlaky, JobEnvelope, JobEvent, PermanentJobError, VideoProcess, WelcomeEmail } from '@cask/contracts';
import type { EventPublisher } from './event-publisher';
import { HandlerInvoker, JobExecutor } from './job-executor';

/** Records events; the test decides when (and whether) the broker confirms each publish. */
class FakeEvents {
  readonly sent: JobEvent[][] = [];
  private readonly confirms: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  autoConfirm = true;

  publish(events: JobEvent[]): Promise<void> {
    this.sent.push(events);
    if (this.autoConfirm) return Promise.resolve();
    return new Promise((resolve, reject) => this.confirms.push({ resolve, reject }));
  }

  confirmLast(): void {
    this.confirms.pop()?.resolve();
  }

  refuseLast(): void {
    this.confirms.pop()?.reject(new Error('nacked'));
  }

  kinds(): string[] {
    return this.sent.flat().map((event) => event.kind);
  }
}

class FakeDelivery {
  acks = 0;
  nacks: boolean[] = [];
  ack(): boolean {
    this.acks += 1;
    return true;
  }
  nack(requeue: boolean): boolean {
    this.nacks.push(requeue);
    return true;
  }
}

const envelope = (type: string, payload: object, attempt = 1): JobEnvelope => ({
  v: 1,
  id: '01900000-0000-7000-8000-000000000001',
  type,
  payload,
  attempt,
  created_at: Date.now(),
});

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('JobExecutor', () => {
  let events: FakeEvents;
  let delivery: FakeDelivery;

  beforeEach(() => {
    events = new FakeEvents();
    delivery = new FakeDelivery();
  });

  const executor = (invoke: HandlerInvoker) => new JobExecutor(events as unknown as EventPublisher, invoke, 'worker-1');

  it('reports started then succeeded with the result, and acks once', async () => {
    await executor(async (_type, payload) => ({ echoed: payload })).execute(envelope(DemoFlaky.name, { fail_times: 0 }), DemoFlaky, delivery as unknown as Delivery);
    expect(events.kinds()).toEqual(['started', 'succeeded']);
    expect(events.sent[1][0]).toMatchObject({ kind: 'succeeded', worker: 'worker-1', attempt: 1, result: { echoed: { fail_times: 0 } } });
    expect(delivery.acks).toBe(1);
    expect(delivery.nacks).toEqual([]);
  });

  it('fails an invalid payload with invalid_payload without running the handler, and acks', async () => {
    const invoke = jest.fn();
    await executor(invoke).execute(envelope(WelcomeEmail.name, { email: 'nope', name: 'A' }), WelcomeEmail, delivery as unknown as Delivery);
    expect(invoke).not.toHaveBeenCalled();
    expect(events.kinds()).toEqual(['failed']);
    expect(events.sent[0][0]).toMatchObject({ kind: 'failed', error: { code: 'invalid_payload', retryable: false, message: expect.stringContaining('email') } });
    expect(delivery.acks).toBe(1);
  });

  it('hands the handler the payload with defaults applied', async () => {
    const invoke = jest.fn(async () => undefined);
    await executor(invoke).execute(envelope(VideoProcess.name, { url: 'https://example.com/v.mp4' }), VideoProcess, delivery as unknown as Delivery);
    expect(invoke).toHaveBeenCalledWith(VideoProcess.name, expect.objectContaining({ duration_ms: 1000 }), expect.anything());
  });

  it('records a handler error with its code and retryability', async () => {
    await executor(async () => {
      throw new PermanentJobError('no such mailbox', { code: 'mailbox_rejected' });
    }).execute(envelope(DemoFlaky.name, { fail_times: 0 }), DemoFlaky, delivery as unknown as Delivery);
    expect(events.sent[1][0]).toMatchObject({ kind: 'failed', error: { code: 'mailbox_rejected', retryable: false, message: 'no such mailbox' } });
    expect(delivery.acks).toBe(1);
  });

  it('fails a result that cannot be serialised instead of losing it', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await executor(async () => circular).execute(envelope(DemoFlaky.name, { fail_times: 0 }), DemoFlaky, delivery as unknown as Delivery);
    expect(events.sent[1][0]).toMatchObject({ kind: 'failed', error: { code: 'handler_error' } });
  });

  it('acks only after the outcome is confirmed', async () => {
    events.autoConfirm = false;
    const running = executor(async () => 'done').execute(envelope(DemoFlaky.name, { fail_times: 0 }), DemoFlaky, delivery as unknown as Delivery);
    await settle();
    expect(events.kinds()).toEqual(['started', 'succeeded']);
    expect(delivery.acks).toBe(0);
    events.confirmLast();
    await running;
    expect(delivery.acks).toBe(1);
  });

  it('requeues the job when the outcome is not confirmed', async () => {
    events.autoConfirm = false;
    const running = executor(async () => 'done').execute(envelope(DemoFlaky.name, { fail_times: 0 }), DemoFlaky, delivery as unknown as Delivery);
    await settle();
    events.refuseLast();
    await running;
    expect(delivery.acks).toBe(0);
    expect(delivery.nacks).toEqual([true]);
  });

  it('publishes progress events carrying the attempt', async () => {
    await executor(async (_type, _payload, context) => {
      await context.progress(50);
      await context.progress({ stage: 'encode' });
      return 'ok';
    }).execute(envelope(DemoFlaky.name, { fail_times: 0 }, 3), DemoFlaky, delivery as unknown as Delivery);
    expect(events.sent.flat().filter((e) => e.kind === 'progress')).toEqual([
      expect.objectContaining({ progress: 50, attempt: 3 }),
      expect.objectContaining({ progress: { stage: 'encode' }, attempt: 3 }),
    ]);
  });

  it("fires the running handler's AbortSignal on abortAll", async () => {
    let signal: AbortSignal | undefined;
    const exec = executor(
      (_type, _payload, context) =>
        new Promise((_resolve, reject) => {
          signal = context.signal;
          context.signal.addEventListener('abort', () => reject(context.signal.reason));
        }),
    );
    const running = exec.execute(envelope(DemoFlaky.name, { fail_times: 0 }), DemoFlaky, delivery as unknown as Delivery);
    await settle();
    expect(exec.inFlight).toBe(1);
    expect(signal?.aborted).toBe(false);
    exec.abortAll('shutting down');
    await running;
    expect(signal?.aborted).toBe(true);
    expect(exec.inFlight).toBe(0);
    expect(events.sent[1][0]).toMatchObject({ kind: 'failed', error: { message: 'shutting down' } });
  });
});
