import { CaskSystem, waitFor } from '@cask/testing';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A span as `test/support/tracing-preload.js` writes it. */
interface SpanLine {
  name: string;
  kind: number;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  startMs: number;
  endMs: number;
}

const PRODUCER = 3;
const CONSUMER = 4;
const ERROR = 2;
const PRELOAD = join(__dirname, 'support', 'tracing-preload.js');

/**
 * One trace across both processes: each runs an OpenTelemetry SDK with an in-memory exporter (preloaded, as a host
 * would register one), and the spans both wrote show a job's dispatch, its message, its run and its recorded outcome.
 */
describe('tracing: one trace from the HTTP request to the recorded outcome', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cask-spans-'));
  const files = { api: join(dir, 'api.jsonl'), worker: join(dir, 'worker.jsonl') };
  const cask = new CaskSystem('tracing');

  beforeAll(async () => {
    await cask.startApi({ NODE_OPTIONS: `--require ${PRELOAD}`, CASK_TEST_SPANS: files.api });
    await cask.startWorker({ NODE_OPTIONS: `--require ${PRELOAD}`, CASK_TEST_SPANS: files.worker, WORKER_ID: 'traced-worker' });
  });

  afterAll(async () => {
    await cask.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = (file: string): SpanLine[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as SpanLine)
      : [];
  const spansOf = (traceId: string) => [...read(files.api), ...read(files.worker)].filter((span) => span.traceId === traceId);
  const childrenOf = (spans: SpanLine[], parent: SpanLine) => spans.filter((span) => span.parentSpanId === parent.spanId);

  /** Waits until the trace holds `count` recorded outcomes (the api's `process` spans on the events queue). */
  const outcomesIn = (traceId: string, count: number) =>
    waitFor(
      () => {
        const spans = spansOf(traceId);
        return spans.filter((span) => span.scope === '@cask/nestjs' && span.kind === CONSUMER).length >= count && spans;
      },
      { what: `${count} recorded outcome(s) in trace ${traceId}` },
    );

  it('continues the caller’s traceparent: create → send → the worker’s process → the api’s record of the outcome', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const { status, body } = await cask.post(
      '/jobs',
      { type: 'email.welcome', payload: { email: 'ada@example.com', name: 'Ada' } },
      { traceparent: `00-${traceId}-${callerSpan}-01` },
    );
    expect(status).toBe(202);
    const jobId = body.job_id as string;
    await cask.waitForTerminal([jobId]);

    const spans = await outcomesIn(traceId, 1);
    const [create] = spans.filter((span) => span.name === 'create default');
    expect(create).toMatchObject({ kind: PRODUCER, scope: '@cask/nestjs', parentSpanId: callerSpan });
    expect(create.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'create',
      'messaging.message.id': jobId,
      'cask.job.type': 'email.welcome',
      'cask.job.outcome': 'created',
    });
    const [send] = childrenOf(spans, create);
    expect(send).toMatchObject({ name: 'send default', kind: PRODUCER, scope: '@cask/nestjs' });
    expect(send.attributes).toMatchObject({
      'messaging.operation.type': 'send',
      'messaging.destination.name': `${cask.namespace}.jobs`,
      'messaging.rabbitmq.destination.routing_key': 'default',
      'messaging.message.id': jobId,
    });
    const [run] = childrenOf(spans, send);
    expect(run).toMatchObject({ name: 'process default', kind: CONSUMER, scope: '@cask/worker' });
    expect(run.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.destination.name': `${cask.namespace}.jobs`,
      'messaging.consumer.group.name': `${cask.namespace}.jobs.default`,
      'cask.job.id': jobId,
      'cask.job.attempt': 1,
      'cask.job.outcome': 'succeeded',
      'cask.worker.id': 'traced-worker',
    });
    expect(run.attributes['cask.job.queue_wait_ms']).toEqual(expect.any(Number));
    const [recorded] = childrenOf(spans, run);
    expect(recorded).toMatchObject({ name: `process ${cask.namespace}.events`, kind: CONSUMER, scope: '@cask/nestjs' });
    expect(recorded.attributes).toMatchObject({ 'cask.job.id': jobId, 'cask.job.outcome': 'succeeded' });
    // In time as in the tree: the queue wait is the gap between the send and the run.
    expect(create.startMs).toBeLessThanOrEqual(send.startMs);
    expect(send.startMs).toBeLessThanOrEqual(run.startMs);
    expect(run.endMs).toBeLessThanOrEqual(recorded.endMs);
    expect(spans).toHaveLength(4);
  });

  it('puts each attempt of a retried job in the same trace, the failed one marked as an error', async () => {
    const traceId = randomBytes(16).toString('hex');
    const { body } = await cask.post(
      '/jobs',
      { type: 'demo.flaky', payload: { fail_times: 1 }, backoff: { type: 'fixed', base_ms: 50, cap_ms: 50, jitter: 0 } },
      { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    );
    const [job] = await cask.waitForTerminal([body.job_id as string]);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });

    const spans = await outcomesIn(traceId, 2);
    const [send] = spans.filter((span) => span.name === 'send default');
    // Both attempts continue the job's message: the retry carried its trace context on through the delay queue.
    const runs = childrenOf(spans, send).sort((a, b) => a.startMs - b.startMs);
    expect(runs.map((span) => [span.attributes['cask.job.attempt'], span.attributes['cask.job.outcome'], span.status.code])).toEqual([
      [1, 'retrying', ERROR],
      [2, 'succeeded', 0],
    ]);
    // `error.type` is the job error's code.
    expect(runs[0].attributes['error.type']).toBe('flaky');
    expect(runs.map((run) => childrenOf(spans, run).map((span) => span.attributes['cask.job.outcome']))).toEqual([
      ['retrying'],
      ['succeeded'],
    ]);
  });

  it('gives every job of a batch its own message span and run, in the batch’s trace, when they travel in packs', async () => {
    // Workers announce in their heartbeats that they read packs; the api packs only then.
    await waitFor(
      async () => {
        const system = (await (await fetch(`${cask.baseUrl}/system`)).json()) as { queues: Array<{ name: string; packs: boolean | null }> };
        return system.queues.find((queue) => queue.name === 'default')?.packs === true;
      },
      { what: 'GET /system to say the default queue takes packs' },
    );
    const traceId = randomBytes(16).toString('hex');
    const jobs = Array.from({ length: 30 }, (_, i) => ({ type: 'email.welcome', payload: { email: `u${i}@example.com`, name: `U${i}` } }));
    const { status, body } = await cask.post(
      '/jobs/batch',
      { jobs },
      { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    );
    expect(status).toBe(202);
    const ids = body.job_ids as string[];
    await cask.waitForTerminal(ids);

    const spans = await outcomesIn(traceId, ids.length);
    const [create] = spans.filter((span) => span.name === 'create default');
    expect(create.attributes['messaging.batch.message_count']).toBe(30);
    const sends = childrenOf(spans, create);
    expect(sends.map((span) => span.attributes['cask.job.id']).sort()).toEqual([...ids].sort());
    for (const send of sends) {
      const runs = childrenOf(spans, send);
      expect(runs.map((run) => run.attributes['cask.job.id'])).toEqual([send.attributes['cask.job.id']]);
    }
    // 30 jobs ready at once, 8 messages at most under way: most share a message, each with its own trace context.
    const packed = sends.filter((span) => Number(span.attributes['messaging.batch.message_count']) > 1);
    expect(packed.length).toBeGreaterThan(0);
  });

  it('keeps a flow’s trace for the job its parent lets go later (stored with the job, not only its message)', async () => {
    const traceId = randomBytes(16).toString('hex');
    const email = (name: string) => ({ type: 'email.welcome', payload: { email: `${name}@example.com`, name } });
    const { status, body } = await cask.post(
      '/flows',
      {
        nodes: [
          { key: 'first', ...email('first') },
          { key: 'then', ...email('then'), parents: ['first'] },
        ],
      },
      { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    );
    expect(status).toBe(202);
    const ids = body.job_ids as Record<string, string>;
    await cask.waitForTerminal([ids.first, ids.then]);

    const spans = await outcomesIn(traceId, 2);
    const [create] = spans.filter((span) => span.name === 'create default');
    const sends = childrenOf(spans, create);
    expect(sends.map((span) => span.attributes['cask.job.id']).sort()).toEqual([ids.first, ids.then].sort());
    const then = sends.find((span) => span.attributes['cask.job.id'] === ids.then) as SpanLine;
    const first = spans.find((span) => span.name === 'process default' && span.attributes['cask.job.id'] === ids.first) as SpanLine;
    // Sent only once its parent had finished.
    expect(then.startMs).toBeGreaterThanOrEqual(first.endMs);
  });

  it('runs a redriven job in the trace of the request that redrove it', async () => {
    const { body } = await cask.post('/jobs', { type: 'demo.flaky', payload: { fail_times: 5 }, max_attempts: 1 });
    const id = body.job_id as string;
    expect((await cask.waitForTerminal([id]))[0].status).toBe('failed');
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const retried = await cask.post(`/jobs/${id}/retry`, {}, { traceparent: `00-${traceId}-${callerSpan}-01` });
    expect(retried.status).toBe(202);
    await waitFor(async () => (await cask.get(id)).history.some((entry) => entry.series === 2 && entry.status === 'failed'), {
      what: 'the second series to fail',
    });

    const spans = await outcomesIn(traceId, 1);
    const [send] = spans.filter((span) => span.name === 'send default');
    expect(send.parentSpanId).toBe(callerSpan);
    expect(childrenOf(spans, send).map((span) => [span.name, span.attributes['cask.job.series']])).toEqual([['process default', 2]]);
  });

  it('starts a trace of its own for a request that names none', async () => {
    const jobId = await cask.dispatch('email.welcome', { email: 'bo@example.com', name: 'Bo' });
    await cask.waitForTerminal([jobId]);
    const create = await waitFor(() =>
      read(files.api).find((span) => span.name === 'create default' && span.attributes['messaging.message.id'] === jobId),
    );
    expect(create.parentSpanId).toBeUndefined();
    const spans = await outcomesIn(create.traceId, 1);
    expect(spans.map((span) => span.name).sort()).toEqual([
      'create default',
      'process default',
      `process ${cask.namespace}.events`,
      'send default',
    ]);
  });
});
