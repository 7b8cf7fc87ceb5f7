import type { Delivery } from '@cask/core';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { Logger, LoggerService } from '@nestjs/common';
import { JobContext, JobDefinition, JobEnvelope, JobEvent, JobOrigin, PermanentJobError, RetryableJobError } from '@cask/contracts';
import { DemoFlaky, VideoProcess, WelcomeEmail } from '@cask/examples';
import { metricValue, parseMetrics, withTestTracing } from '@cask/testing';
import { Registry } from 'prom-client';
import { WorkerMetrics } from '../metrics/worker-metrics';
import type { EventPublisher } from './event-publisher';
import { HandlerInvoker, JobExecutor } from './job-executor';
import type { JobOutcomes } from './job-outcomes';

/** Records everything the executor sends to the broker, in order; the test decides about confirms. */
class FakeBroker {
  readonly log: string[] = [];
  readonly events: JobEvent[] = [];
  readonly retries: Array<{ next: JobEnvelope; queue: string; delayMs: number; origin?: JobOrigin }> = [];
  readonly deadLetters: Array<{ code: string; detail: string }> = [];
  private readonly pending: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  autoConfirm = true;

  private confirm(): Promise<void> {
    if (this.autoConfirm) return Promise.resolve();
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  readonly publisher = {
    publish: (events: JobEvent[]) => {
      this.events.push(...events);
      this.log.push(...events.map((e) => `event:${e.kind}`));
      return this.confirm();
    },
  };

  readonly outcomes = {
    scheduleRetry: (next: JobEnvelope, queue: string, _priority: number | undefined, delayMs: number, origin?: JobOrigin) => {
      this.retries.push({ next, queue, delayMs, origin });
      this.log.push('retry');
      return this.confirm();
    },
    deadLetter: (_message: unknown, _source: string, code: string, detail: string) => {
      this.deadLetters.push({ code, detail });
      this.log.push(`dead-letter:${code}`);
      return this.confirm();
    },
  };

  confirmNext(): void {
    this.pending.shift()?.resolve();
  }

  refuseNext(): void {
    this.pending.shift()?.reject(new Error('nacked'));
  }

  kinds(): string[] {
    return this.events.map((e) => e.kind);
  }
}

class FakeDelivery {
  isChannelOpen = true;
  acks = 0;
  nacks: boolean[] = [];
  readonly message = { properties: { priority: 4 }, content: Buffer.from('{}'), fields: { redelivered: false } };
  ack(): boolean {
    this.acks += 1;
    return true;
  }
  nack(requeue: boolean): boolean {
    this.nacks.push(requeue);
    return true;
  }
}

const envelope = (type: string, payload: object, overrides: Partial<JobEnvelope> = {}): JobEnvelope => ({
  v: 1,
  id: '01900000-0000-7000-8000-000000000001',
  type,
  payload,
  attempt: 1,
  series: 1,
  max_attempts: 3,
  backoff: { type: 'exponential', base_ms: 100, cap_ms: 1000, jitter: 0 },
  timeout_ms: 5000,
  created_at: Date.now(),
  ...overrides,
});

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('JobExecutor', () => {
  let broker: FakeBroker;
  let delivery: FakeDelivery;
  let registry: Registry;
  let metrics: WorkerMetrics;

  beforeEach(() => {
    broker = new FakeBroker();
    delivery = new FakeDelivery();
    registry = new Registry();
    metrics = new WorkerMetrics(registry);
  });

  const executor = (invoke: HandlerInvoker) =>
    new JobExecutor(broker.publisher as unknown as EventPublisher, broker.outcomes as unknown as JobOutcomes, invoke, 'worker-1', metrics);
  const run = (exec: JobExecutor, env: JobEnvelope, definition: JobDefinition = DemoFlaky, requestId?: string) =>
    exec.execute({
      envelope: env,
      definition,
      delivery: delivery as unknown as Delivery,
      queue: definition.queue,
      brokerQueue: `ns.jobs.${definition.queue}`,
      origin: { requestId },
    });

  /** Runs `work` with Nest's Logger writing into the returned list, each line as the object it was given. */
  async function loggedLines(work: () => Promise<void>): Promise<Array<Record<string, unknown>>> {
    const lines: Array<Record<string, unknown>> = [];
    const keep = (level: string) => (message: unknown, context?: string) => lines.push({ level, context, ...(message as object) });
    const capture: LoggerService = {
      log: keep('log'),
      warn: keep('warn'),
      error: keep('error'),
      debug: keep('debug'),
      verbose: keep('verbose'),
    };
    Logger.overrideLogger(capture);
    try {
      await work();
    } finally {
      Logger.overrideLogger(false);
    }
    return lines;
  }

  it('puts the job, its attempt and the request that dispatched it on its lines, and the request id on the next attempt', async () => {
    const lines = await loggedLines(() =>
      run(
        executor(async () => {
          throw new RetryableJobError('try later', { code: 'busy' });
        }),
        envelope(DemoFlaky.name, { fail_times: 9 }, { attempt: 2 }),
        DemoFlaky,
        'checkout-42',
      ),
    );

    expect(broker.retries[0]).toMatchObject({ next: { attempt: 3 }, origin: { requestId: 'checkout-42' } });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        context: 'JobExecutor',
        job_id: '01900000-0000-7000-8000-000000000001',
        job_type: 'demo.flaky',
        attempt: 2,
        request_id: 'checkout-42',
        msg: expect.stringContaining('attempt 2 failed (busy: try later)'),
      }),
    );
    expect(JSON.stringify(lines)).not.toContain('fail_times');
  });

  it('reports started then succeeded with the result, and acks once', async () => {
    await run(
      executor(async (_type, payload) => ({ echoed: payload })),
      envelope(DemoFlaky.name, { fail_times: 0 }),
    );
    expect(broker.kinds()).toEqual(['started', 'succeeded']);
    expect(broker.events[1]).toMatchObject({
      kind: 'succeeded',
      worker: 'worker-1',
      attempt: 1,
      series: 1,
      result: { echoed: { fail_times: 0 } },
    });
    expect(delivery.acks).toBe(1);
    expect(delivery.nacks).toEqual([]);
  });

  it('tells the handler which attempt of how many it runs', async () => {
    const seen: Array<[number, number]> = [];
    await run(
      executor(async (_type, _payload, context) => seen.push([context.attempt, context.maxAttempts])),
      envelope(DemoFlaky.name, { fail_times: 0 }, { attempt: 2, max_attempts: 4 }),
    );
    expect(seen).toEqual([[2, 4]]);
  });

  it('gives the handler a flow job’s parents (camelCase, by key), a callback its batch, and any other job no parents', async () => {
    const seen: Array<Pick<JobContext, 'parents' | 'batch'>> = [];
    const exec = executor(async (_type, _payload, context) => seen.push({ parents: context.parents, batch: context.batch }));
    const parent = {
      job_id: envelope(DemoFlaky.name, {}).id,
      type: 'demo.step',
      status: 'succeeded' as const,
      result: { n: 1 },
      error: null,
    };

    await run(exec, envelope(DemoFlaky.name, { fail_times: 0 }, { parents: { fetch: parent } }));
    await run(exec, envelope(DemoFlaky.name, { fail_times: 0 }, { batch: { total: 2, succeeded: 1, failed: 1, cancelled: 0 } }));
    await run(exec, envelope(DemoFlaky.name, { fail_times: 0 }));

    expect(seen).toEqual([
      {
        parents: { fetch: { jobId: parent.job_id, type: 'demo.step', status: 'succeeded', result: { n: 1 }, error: null } },
        batch: undefined,
      },
      { parents: {}, batch: { total: 2, succeeded: 1, failed: 1, cancelled: 0 } },
      { parents: {}, batch: undefined },
    ]);
  });

  it('fails an invalid payload with invalid_payload without running the handler, and acks', async () => {
    const invoke = jest.fn();
    await run(executor(invoke), envelope(WelcomeEmail.name, { email: 'nope', name: 'A' }), WelcomeEmail);
    expect(invoke).not.toHaveBeenCalled();
    expect(broker.kinds()).toEqual(['failed']);
    expect(broker.events[0]).toMatchObject({
      error: { code: 'invalid_payload', retryable: false, message: expect.stringContaining('email') },
    });
    expect(broker.retries).toEqual([]);
    expect(delivery.acks).toBe(1);
  });

  it('hands the handler the payload with defaults applied', async () => {
    const invoke = jest.fn(async () => undefined);
    await run(executor(invoke), envelope(VideoProcess.name, { url: 'https://example.com/v.mp4' }), VideoProcess);
    expect(invoke).toHaveBeenCalledWith(VideoProcess.name, expect.objectContaining({ duration_ms: 1000 }), expect.anything());
  });

  it('fails a permanent error at once, without a retry or a dead letter', async () => {
    await run(
      executor(async () => {
        throw new PermanentJobError('no such mailbox', { code: 'mailbox_rejected' });
      }),
      envelope(DemoFlaky.name, { fail_times: 0 }),
    );
    expect(broker.events[1]).toMatchObject({
      kind: 'failed',
      error: { code: 'mailbox_rejected', retryable: false, message: 'no such mailbox' },
    });
    expect(broker.retries).toEqual([]);
    expect(broker.deadLetters).toEqual([]);
    expect(delivery.acks).toBe(1);
  });

  it('schedules the next attempt after the backoff, confirmed before the retrying event, then acks', async () => {
    const before = Date.now();
    await run(
      executor(async () => {
        throw new RetryableJobError('try later', { code: 'busy' });
      }),
      envelope(DemoFlaky.name, { fail_times: 0 }, { attempt: 2 }),
    );
    expect(broker.log).toEqual(['event:started', 'retry', 'event:retrying']);
    expect(broker.retries[0]).toMatchObject({
      queue: 'default',
      delayMs: 200,
      next: { attempt: 3, series: 1, id: '01900000-0000-7000-8000-000000000001' },
    });
    const retrying = broker.events[1] as Extract<JobEvent, { kind: 'retrying' }>;
    expect(retrying).toMatchObject({ kind: 'retrying', attempt: 2, error: { code: 'busy', retryable: true } });
    expect(retrying.next_attempt_at).toBeGreaterThanOrEqual(before + 200);
    expect(delivery.acks).toBe(1);
  });

  it('fails on the last attempt with a dead-letter copy before the failed event', async () => {
    await run(
      executor(async () => {
        throw new Error('still broken');
      }),
      envelope(DemoFlaky.name, { fail_times: 0 }, { attempt: 3, max_attempts: 3 }),
    );
    expect(broker.log).toEqual(['event:started', 'dead-letter:exhausted', 'event:failed']);
    expect(broker.deadLetters[0].detail).toContain('still broken');
    expect(broker.events[1]).toMatchObject({ kind: 'failed', attempt: 3, error: { code: 'handler_error', message: 'still broken' } });
    expect(broker.retries).toEqual([]);
    expect(delivery.acks).toBe(1);
  });

  it('times out a handler that ignores its signal: the signal fires, the attempt fails with timeout, the late result is dropped', async () => {
    let signal: AbortSignal | undefined;
    let finishLate!: () => void;
    const late = new Promise<string>((resolve) => (finishLate = () => resolve('too late')));
    await run(
      executor((_type, _payload, context) => {
        signal = context.signal;
        return late;
      }),
      envelope(DemoFlaky.name, { fail_times: 0 }, { timeout_ms: 20, max_attempts: 1 }),
    );
    expect(signal?.aborted).toBe(true);
    expect(broker.events[1]).toMatchObject({ kind: 'failed', error: { code: 'timeout', retryable: true } });
    finishLate();
    await settle();
    expect(broker.kinds()).toEqual(['started', 'failed']);
    expect(delivery.acks).toBe(1);
  });

  it('retries a timed-out attempt per the policy', async () => {
    await run(
      executor(
        (_type, _payload, context) =>
          new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason))),
      ),
      envelope(DemoFlaky.name, { fail_times: 0 }, { timeout_ms: 20 }),
    );
    expect(broker.log).toEqual(['event:started', 'retry', 'event:retrying']);
    expect(broker.events[1]).toMatchObject({ error: { code: 'timeout' } });
  });

  it('fails a result that cannot be serialised instead of losing it', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await run(
      executor(async () => circular),
      envelope(DemoFlaky.name, { fail_times: 0 }, { max_attempts: 1 }),
    );
    expect(broker.events[1]).toMatchObject({ kind: 'failed', error: { code: 'handler_error' } });
  });

  it('acks only after the outcome is confirmed', async () => {
    broker.autoConfirm = false;
    const running = run(
      executor(async () => 'done'),
      envelope(DemoFlaky.name, { fail_times: 0 }),
    );
    await settle();
    broker.confirmNext();
    await settle();
    expect(broker.kinds()).toEqual(['started', 'succeeded']);
    expect(delivery.acks).toBe(0);
    broker.confirmNext();
    await running;
    expect(delivery.acks).toBe(1);
  });

  it('holds the job and publishes the outcome again while the broker cannot confirm it, then acks', async () => {
    broker.autoConfirm = false;
    const running = run(
      executor(async () => 'done'),
      envelope(DemoFlaky.name, { fail_times: 0 }),
    );
    await settle();
    broker.confirmNext();
    await settle();
    broker.refuseNext();
    await new Promise<void>((resolve) => {
      const poll = () => (broker.kinds().filter((k) => k === 'succeeded').length === 2 ? resolve() : setImmediate(poll));
      poll();
    });
    expect(delivery.nacks).toEqual([]);
    broker.confirmNext();
    await running;
    expect(delivery.acks).toBe(1);
  });

  it('neither acks nor retries once the channel the job came on has closed (the broker requeued it)', async () => {
    broker.autoConfirm = false;
    const running = run(
      executor(async () => 'done'),
      envelope(DemoFlaky.name, { fail_times: 0 }),
    );
    await settle();
    broker.confirmNext();
    await settle();
    delivery.isChannelOpen = false;
    broker.refuseNext();
    await running;
    expect(delivery.acks).toBe(0);
    expect(broker.kinds()).toEqual(['started', 'succeeded']);
  });

  it('publishes progress events carrying the attempt', async () => {
    await run(
      executor(async (_type, _payload, context) => {
        await context.progress(50);
        await context.progress({ stage: 'encode' });
        return 'ok';
      }),
      envelope(DemoFlaky.name, { fail_times: 0 }, { attempt: 3 }),
    );
    expect(broker.events.filter((e) => e.kind === 'progress')).toEqual([
      expect.objectContaining({ progress: 50, attempt: 3 }),
      expect.objectContaining({ progress: { stage: 'encode' }, attempt: 3 }),
    ]);
  });

  it('on abortAll (shutdown) fires the signal and gives the job back to the queue without an outcome', async () => {
    let signal: AbortSignal | undefined;
    const exec = executor(
      (_type, _payload, context) =>
        new Promise((_resolve, reject) => {
          signal = context.signal;
          context.signal.addEventListener('abort', () => reject(context.signal.reason));
        }),
    );
    const running = run(exec, envelope(DemoFlaky.name, { fail_times: 0 }));
    await settle();
    expect(exec.inFlight).toBe(1);
    exec.abortAll('shutting down');
    await running;
    expect(signal?.aborted).toBe(true);
    expect(exec.inFlight).toBe(0);
    expect(broker.kinds()).toEqual(['started']);
    expect(delivery.nacks).toEqual([true]);
    expect(delivery.acks).toBe(0);
  });

  describe('with a delay before the started event', () => {
    const DELAY_MS = 1000;
    const START = 1_700_000_000_000;

    // The executor's timers are faked; setImmediate stays real for settle().
    beforeEach(() => jest.useFakeTimers({ now: START, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
    afterEach(() => jest.useRealTimers());

    const delayed = (invoke: HandlerInvoker) =>
      new JobExecutor(
        broker.publisher as unknown as EventPublisher,
        broker.outcomes as unknown as JobOutcomes,
        invoke,
        'worker-1',
        metrics,
        DELAY_MS,
      );

    it.each<[string, HandlerInvoker]>([
      ['succeeded', async () => 'done'],
      [
        'retrying',
        async () => {
          throw new RetryableJobError('try later', { code: 'busy' });
        },
      ],
      [
        'failed',
        async () => {
          throw new PermanentJobError('no such mailbox', { code: 'mailbox_rejected' });
        },
      ],
    ])('sends no started event for an attempt that ends sooner, only its %s outcome marked start_unreported', async (kind, invoke) => {
      await run(delayed(invoke), envelope(DemoFlaky.name, { fail_times: 0 }));
      jest.advanceTimersByTime(DELAY_MS * 2);
      await settle();

      expect(broker.kinds()).toEqual([kind]);
      expect(broker.events[0]).toMatchObject({ kind, started_at: START, start_unreported: true });
      expect(delivery.acks).toBe(1);
    });

    it('sends started once the attempt has run for the delay, then the outcome without start_unreported', async () => {
      let finish!: (result: string) => void;
      const running = run(
        delayed(() => new Promise((resolve) => (finish = resolve))),
        envelope(DemoFlaky.name, { fail_times: 0 }),
      );
      await settle();
      jest.advanceTimersByTime(DELAY_MS - 1);
      await settle();
      expect(broker.kinds()).toEqual([]);

      jest.advanceTimersByTime(1);
      await settle();
      expect(broker.events).toEqual([expect.objectContaining({ kind: 'started', at: START })]);

      finish('done');
      await running;
      expect(broker.kinds()).toEqual(['started', 'succeeded']);
      expect(broker.events[1]).toMatchObject({ started_at: START, result: 'done' });
      expect(broker.events[1]).not.toHaveProperty('start_unreported');
    });

    it('sends started before the first progress reported within the delay, and only once', async () => {
      await run(
        delayed(async (_type, _payload, context) => {
          await context.progress(10);
          await context.progress(90);
          return 'ok';
        }),
        envelope(DemoFlaky.name, { fail_times: 0 }),
      );
      jest.advanceTimersByTime(DELAY_MS * 2);
      await settle();

      expect(broker.kinds()).toEqual(['started', 'progress', 'progress', 'succeeded']);
      expect(broker.events[0]).toMatchObject({ at: START });
      expect(broker.events[3]).not.toHaveProperty('start_unreported');
    });
  });

  describe('metrics', () => {
    const samples = async () => parseMetrics(await registry.metrics());
    const failing = (error: Error) => async () => {
      throw error;
    };

    it('counts each attempt by type and outcome, and times it', async () => {
      await run(
        executor(async () => 'done'),
        envelope(DemoFlaky.name, { fail_times: 0 }),
      );
      await run(executor(failing(new RetryableJobError('busy'))), envelope(DemoFlaky.name, { fail_times: 0 }));
      await run(executor(failing(new PermanentJobError('no'))), envelope(DemoFlaky.name, { fail_times: 0 }));

      const all = await samples();
      for (const outcome of ['succeeded', 'retrying', 'failed']) {
        expect(metricValue(all, 'cask_job_executions_total', { type: 'demo.flaky', outcome })).toBe(1);
        expect(metricValue(all, 'cask_job_duration_seconds_count', { type: 'demo.flaky', outcome })).toBe(1);
      }
      // Labels name types and outcomes, never a job.
      expect(all.filter((sample) => sample.name.startsWith('cask_')).flatMap((sample) => Object.values(sample.labels))).not.toContain(
        envelope('x', {}).id,
      );
    });

    it('counts an attempt stopped at its timeout as timed_out, whether it is retried or failed', async () => {
      const hang: HandlerInvoker = () => new Promise(() => undefined);
      await run(executor(hang), envelope(DemoFlaky.name, { fail_times: 0 }, { timeout_ms: 20 }));
      await run(executor(hang), envelope(DemoFlaky.name, { fail_times: 0 }, { timeout_ms: 20, max_attempts: 1 }));

      const all = await samples();
      expect(metricValue(all, 'cask_job_executions_total', { outcome: 'timed_out' })).toBe(2);
      expect(
        metricValue(all, 'cask_job_executions_total', { outcome: 'retrying' }) +
          metricValue(all, 'cask_job_executions_total', { outcome: 'failed' }),
      ).toBe(0);
    });

    it('counts an invalid payload as failed without a duration: its handler never ran', async () => {
      await run(executor(jest.fn()), envelope(WelcomeEmail.name, { email: 'nope', name: 'A' }), WelcomeEmail);

      const all = await samples();
      expect(metricValue(all, 'cask_job_executions_total', { type: 'email.welcome', outcome: 'failed' })).toBe(1);
      expect(metricValue(all, 'cask_job_duration_seconds_count', { type: 'email.welcome' })).toBe(0);
      expect(metricValue(all, 'cask_job_queue_wait_seconds_count', { type: 'email.welcome' })).toBe(0);
    });

    it('measures queue wait from ready_at when the envelope has one, else from created_at', async () => {
      const now = Date.now();
      await run(
        executor(async () => 'done'),
        envelope(DemoFlaky.name, { fail_times: 0 }, { created_at: now - 60_000, ready_at: now - 2_000 }),
      );
      await run(
        executor(async () => 'done'),
        envelope(VideoProcess.name, { url: 'https://example.com/v.mp4' }, { created_at: now - 30_000 }),
        VideoProcess,
      );

      const all = await samples();
      const flaky = metricValue(all, 'cask_job_queue_wait_seconds_sum', { type: 'demo.flaky' });
      const video = metricValue(all, 'cask_job_queue_wait_seconds_sum', { type: 'video.process' });
      expect(flaky).toBeGreaterThanOrEqual(2);
      expect(flaky).toBeLessThan(30);
      expect(video).toBeGreaterThanOrEqual(30);
    });

    it('stamps the next attempt with ready_at at the end of its backoff', async () => {
      const before = Date.now();
      await run(executor(failing(new RetryableJobError('busy'))), envelope(DemoFlaky.name, { fail_times: 0 }, { attempt: 2 }));

      const readyAt = broker.retries[0].next.ready_at as number;
      expect(readyAt).toBeGreaterThanOrEqual(before + 200);
      expect(readyAt).toBeLessThanOrEqual(Date.now() + 200);
    });

    it('reports the attempts running by job queue', async () => {
      let finish!: () => void;
      const exec = executor(() => new Promise((resolve) => (finish = () => resolve('done'))));
      const running = run(exec, envelope(DemoFlaky.name, { fail_times: 0 }));
      await settle();

      expect([...exec.inFlightByQueue()]).toEqual([['default', 1]]);
      finish();
      await running;
      expect(exec.inFlightByQueue().size).toBe(0);
    });
  });

  describe('with an OpenTelemetry SDK registered', () => {
    const exporter = withTestTracing();
    const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    /** Runs an attempt of a job whose message carries the trace context PARENT. */
    const runTraced = (exec: JobExecutor, env: JobEnvelope, definition: JobDefinition) =>
      exec.execute({
        envelope: env,
        definition,
        delivery: delivery as unknown as Delivery,
        queue: 'default',
        brokerQueue: 'ns.jobs.default',
        origin: { trace: { traceparent: PARENT } },
      });

    it("runs the handler in the attempt's span, a child of the message's trace context, and sends that span's context on the outcome", async () => {
      let active: string | undefined;
      const handler = executor(async () => {
        active = trace.getActiveSpan()?.spanContext().spanId;
        return { ok: true };
      });
      await runTraced(handler, envelope(WelcomeEmail.name, { email: 'a@b.co', name: 'A' }, { ready_at: Date.now() - 40 }), WelcomeEmail);

      const [span] = exporter.getFinishedSpans();
      expect(span.name).toBe('process default');
      expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(active).toBe(span.spanContext().spanId);
      expect(span.attributes).toMatchObject({ 'cask.job.outcome': 'succeeded', 'messaging.consumer.group.name': 'ns.jobs.default' });
      expect(span.attributes['cask.job.queue_wait_ms']).toBeGreaterThanOrEqual(40);
      const outcome = broker.events.find((event) => event.kind === 'succeeded');
      expect(outcome && 'trace' in outcome && outcome.trace?.traceparent).toBe(
        `00-4bf92f3577b34da6a3ce929d0e0e4736-${span.spanContext().spanId}-01`,
      );
    });

    it('marks the span of a failed attempt as an error, naming the job error code, and keeps the trace for the retry', async () => {
      const failing = executor(async () => {
        throw new RetryableJobError('try later', { code: 'busy' });
      });
      await runTraced(failing, envelope(DemoFlaky.name, { fail_times: 9 }), DemoFlaky);

      const [span] = exporter.getFinishedSpans();
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'try later' });
      expect(span.attributes).toMatchObject({ 'cask.job.outcome': 'retrying', 'error.type': 'busy' });
      expect(span.events.map((event) => event.name)).toEqual(['exception']);
      expect(broker.retries[0].origin).toEqual({ trace: { traceparent: PARENT } });
    });
  });
});
