import { BackoffPolicy, JobError, JobEvent, OnParentFailure } from '@cask/contracts';
import { TestStores, storeBackends } from '@cask/testing';
import { v7 as uuidv7 } from 'uuid';
import type { FlowMessage, FlowNodeWrite, ReleaseInputs } from './flow-store';
import type { JobRecord, NewJob, OutboxMessage } from './job-record';

const T0 = 1_700_000_000_000;
const BACKOFF: BackoffPolicy = { type: 'fixed', baseMs: 100, capMs: 100, jitter: 0 };
const BOUNCED: JobError = { code: 'permanent', message: 'mailbox does not exist', retryable: false };

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    id: uuidv7(),
    type: 'step',
    queue: 'default',
    status: 'queued',
    payload: {},
    maxAttempts: 1,
    priority: 0,
    createdAt: T0,
    backoff: BACKOFF,
    timeoutMs: 30_000,
    ...overrides,
  };
}

function messageFor(job: { id: string; queue: string; priority: number }, body: unknown = { id: job.id }): OutboxMessage {
  return { id: uuidv7(), jobId: job.id, routingKey: job.queue, body: JSON.stringify(body), priority: job.priority, createdAt: T0 };
}

/** A release's message: its body is what the pass gave it, so the tests read the parents from it. */
const build: FlowMessage = (job: JobRecord, inputs: ReleaseInputs) => messageFor(job, { id: job.id, ...inputs });

const inputsOf = (message: OutboxMessage) => JSON.parse(message.body) as ReleaseInputs & { id: string };

function started(id: string, at = T0 + 100): JobEvent {
  return { kind: 'started', job_id: id, type: 'step', series: 1, attempt: 1, at, worker: 'w1' };
}

function succeeded(id: string, result: unknown): JobEvent {
  return { kind: 'succeeded', job_id: id, type: 'step', series: 1, attempt: 1, at: T0 + 200, worker: 'w1', started_at: T0 + 100, result };
}

function failed(id: string): JobEvent {
  return {
    kind: 'failed',
    job_id: id,
    type: 'step',
    series: 1,
    attempt: 1,
    at: T0 + 200,
    worker: 'w1',
    started_at: T0 + 100,
    error: BOUNCED,
  };
}

type Shape = Record<string, Array<string | [string, OnParentFailure]>>;

describe.each(storeBackends())('flows on $name', (backend) => {
  let store: TestStores;

  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());

  beforeEach(async () => {
    await backend.reset();
    store = backend.open();
    await store.migrate();
  });

  afterEach(() => store.close());

  /** Commits a flow of the given shape (each key's parents); returns its id and each job's id by key. */
  async function givenFlow(
    shape: Shape,
    extra: { kind?: 'flow' | 'batch'; callback?: string; job?: (key: string) => Partial<NewJob> } = {},
  ): Promise<{ flowId: string; id: Record<string, string> }> {
    const flowId = uuidv7();
    const keys = Object.keys(shape);
    const jobs = new Map(keys.map((key) => [key, newJob({ payload: { key }, ...extra.job?.(key) })]));
    const nodes = keys.map<FlowNodeWrite>((key) => {
      const job = jobs.get(key) as NewJob;
      const parents = shape[key].map((parent): [string, OnParentFailure] => (typeof parent === 'string' ? [parent, 'fail'] : parent));
      return {
        key,
        job: parents.length > 0 ? { ...job, status: 'waiting' } : job,
        message: parents.length > 0 ? undefined : messageFor(job),
        parents: parents.map(([parent, onFailure]) => ({ jobId: (jobs.get(parent) as NewJob).id, onFailure })),
        callback: key === extra.callback,
      };
    });
    await store.createFlow({ id: flowId, tenant: 'default', kind: extra.kind ?? 'flow', createdAt: T0, nodes });
    return { flowId, id: Object.fromEntries([...jobs].map(([key, job]) => [key, job.id])) };
  }

  async function status(id: string): Promise<string | undefined> {
    return (await store.get(id))?.status;
  }

  const DIAMOND: Shape = { a: [], b: ['a'], c: ['a'], d: ['b', 'c'] };

  it('stores a flow: jobs without parents queued with their messages, the others waiting without', async () => {
    const { flowId, id } = await givenFlow(DIAMOND);

    expect(await status(id.a)).toBe('queued');
    for (const key of ['b', 'c', 'd']) expect(await status(id[key])).toBe('waiting');
    expect((await store.claimOutbox(100, 3_600_000)).map((message) => message.jobId)).toEqual([id.a]);
    expect(await store.get(id.d)).toMatchObject({ flowId });
    const flow = await store.getFlow(flowId);
    expect(flow).toMatchObject({ id: flowId, tenant: 'default', kind: 'flow', createdAt: T0 });
    expect(flow?.nodes.map((node) => [node.key, node.status, node.parents.map((parent) => parent.key)])).toEqual([
      ['a', 'queued', []],
      ['b', 'waiting', ['a']],
      ['c', 'waiting', ['a']],
      ['d', 'waiting', ['b', 'c']],
    ]);
    expect(await store.list({ tenant: 'default', flowId, limit: 10 })).toHaveLength(4);
    expect(await store.anyFlowWaiting()).toBe(true);
  });

  it('lets each job go once its parents have succeeded, with their results, level by level', async () => {
    const { flowId, id } = await givenFlow(DIAMOND);
    await store.claimOutbox(100, 3_600_000);

    expect(await store.releaseFlow(flowId, T0 + 10, build)).toEqual({ released: [], settled: [] });
    await store.applyEvents([started(id.a), succeeded(id.a, { size: 1 })]);
    expect(await store.flowsAfter([id.a])).toEqual([flowId]);
    expect(await store.readyFlows(10)).toEqual([flowId]);

    const first = await store.releaseFlow(flowId, T0 + 300, build);

    expect(first.released.map(({ job }) => job.id).sort()).toEqual([id.b, id.c].sort());
    for (const { message } of first.released) {
      expect(inputsOf(message).parents).toEqual({
        a: { job_id: id.a, type: 'step', status: 'succeeded', result: { size: 1 }, error: null },
      });
    }
    expect(await status(id.b)).toBe('queued');
    expect(await status(id.d)).toBe('waiting');
    expect((await store.claimOutbox(100, 3_600_000)).map((message) => message.jobId).sort()).toEqual([id.b, id.c].sort());
    expect((await store.history(id.b)).map((row) => [row.status, row.at])).toEqual([['queued', T0 + 300]]);
    // Nothing more is ready: a second pass lets nothing go twice.
    expect(await store.releaseFlow(flowId, T0 + 301, build)).toEqual({ released: [], settled: [] });
    expect(await store.readyFlows(10)).toEqual([]);

    await store.applyEvents([started(id.b), succeeded(id.b, 'B')]);
    expect((await store.releaseFlow(flowId, T0 + 400, build)).released).toEqual([]);
    await store.applyEvents([started(id.c), succeeded(id.c, 'C')]);
    const last = await store.releaseFlow(flowId, T0 + 500, build);

    expect(last.released.map(({ job }) => job.id)).toEqual([id.d]);
    const parents = inputsOf(last.released[0].message).parents ?? {};
    expect(Object.keys(parents).sort()).toEqual(['b', 'c']);
    expect([parents.b.result, parents.c.result]).toEqual(['B', 'C']);
    expect(await store.anyFlowWaiting()).toBe(false);
  });

  it('follows each edge’s policy when a parent fails: fail cascades down, continue runs with the failure, ignore runs without it', async () => {
    const { flowId, id } = await givenFlow({
      a: [],
      ok: [],
      failing: ['a'],
      below: ['failing'],
      continuing: [['a', 'continue'], 'ok'],
      ignoring: [['a', 'ignore'], 'ok'],
    });
    await store.applyEvents([started(id.a), failed(id.a), started(id.ok), succeeded(id.ok, 1)]);

    const pass = await store.releaseFlow(flowId, T0 + 300, build);

    expect(pass.settled.map((job) => job.id).sort()).toEqual([id.failing, id.below].sort());
    const failing = await store.get(id.failing);
    expect(failing).toMatchObject({ status: 'failed', finishedAt: T0 + 300, attempts: 0 });
    expect(failing?.error).toMatchObject({ code: 'parent_failed', retryable: false });
    expect(failing?.error?.message).toContain(`Parent "a" (step ${id.a}) failed`);
    expect((await store.get(id.below))?.error?.message).toContain('Parent "failing"');
    expect((await store.history(id.below)).map((row) => row.status)).toEqual(['failed']);

    const byJob = new Map(pass.released.map(({ job, message }) => [job.id, inputsOf(message).parents]));
    expect([...byJob.keys()].sort()).toEqual([id.continuing, id.ignoring].sort());
    expect(byJob.get(id.continuing)).toEqual({
      a: { job_id: id.a, type: 'step', status: 'failed', result: null, error: BOUNCED },
      ok: { job_id: id.ok, type: 'step', status: 'succeeded', result: 1, error: null },
    });
    expect(Object.keys(byJob.get(id.ignoring) ?? {})).toEqual(['ok']);
  });

  it('treats a cancelled parent as one that did not succeed, and a cancelled waiting job as finished', async () => {
    const { flowId, id } = await givenFlow({ a: [], b: ['a'], c: ['b'], d: [['b', 'continue']] });

    // A waiting job has no message to drop and no worker to tell.
    const command = jest.fn();
    expect(await store.cancel(id.b, T0 + 50, command)).toMatchObject({ cancelled: true });
    expect(command).not.toHaveBeenCalled();
    await store.applyEvents([started(id.a), succeeded(id.a, 'A')]);
    const pass = await store.releaseFlow(flowId, T0 + 300, build);

    expect(await status(id.b)).toBe('cancelled');
    expect(pass.settled.map((job) => job.id)).toEqual([id.c]);
    expect((await store.get(id.c))?.error?.message).toContain('was cancelled');
    expect(pass.released.map(({ job }) => job.id)).toEqual([id.d]);
    expect(inputsOf(pass.released[0].message).parents?.b).toMatchObject({ status: 'cancelled' });
  });

  it('gives a batch’s callback its batch’s counts once every job of it has finished', async () => {
    const { flowId, id } = await givenFlow(
      {
        j0: [],
        j1: [],
        j2: [],
        j3: [],
        callback: [
          ['j0', 'continue'],
          ['j1', 'continue'],
          ['j2', 'continue'],
          ['j3', 'continue'],
        ],
      },
      { kind: 'batch', callback: 'callback' },
    );
    await store.applyEvents([started(id.j0), succeeded(id.j0, 0), started(id.j1), succeeded(id.j1, 1), started(id.j2), failed(id.j2)]);
    expect((await store.releaseFlow(flowId, T0 + 300, build)).released).toEqual([]);
    await store.cancel(id.j3, T0 + 400);

    const pass = await store.releaseFlow(flowId, T0 + 500, build);

    expect(pass.released.map(({ job }) => job.id)).toEqual([id.callback]);
    expect(inputsOf(pass.released[0].message)).toMatchObject({ batch: { total: 4, succeeded: 2, failed: 1, cancelled: 1 } });
    expect(inputsOf(pass.released[0].message).parents).toBeUndefined();
    expect((await store.getFlow(flowId))?.kind).toBe('batch');
  });

  it('lets a job go once when passes over its flow race, from two store instances', async () => {
    const { flowId, id } = await givenFlow({ a: [], b: ['a'], c: ['a'] });
    await store.applyEvents([started(id.a), succeeded(id.a, 'A')]);
    const other = backend.open();
    try {
      const passes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? store : other).releaseFlow(flowId, T0 + 300 + i, build)),
      );

      const released = passes.flatMap((pass) => pass.released.map(({ job }) => job.id));
      expect(released.sort()).toEqual([id.b, id.c].sort());
      expect((await store.claimOutbox(100, 3_600_000)).map((message) => message.jobId).sort()).toEqual([id.a, id.b, id.c].sort());
      expect((await store.history(id.b)).filter((row) => row.status === 'queued')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('lets a grouped job go into its group rather than the outbox', async () => {
    const { flowId, id } = await givenFlow(
      { a: [], b: ['a'] },
      { job: (key) => (key === 'b' ? { queue: 'webhooks', group: { key: 'endpoint-1', concurrency: 1, fifo: false } } : {}) },
    );
    await store.claimOutbox(100, 3_600_000);
    await store.applyEvents([started(id.a), succeeded(id.a, 'A')]);

    const pass = await store.releaseFlow(flowId, T0 + 300, build);

    expect(pass.released.map(({ job }) => job.id)).toEqual([id.b]);
    expect(await store.claimOutbox(100, 3_600_000)).toEqual([]);
    const [group] = await store.groups({ tenant: 'default', queue: 'webhooks', limit: 10 });
    expect(group).toMatchObject({ key: 'endpoint-1', waiting: 1, concurrency: 1 });
    const letGo = await store.release('webhooks', Date.now(), { buffer: 10, leaseMs: 0 });
    expect(letGo.released.map((message) => message.jobId)).toEqual([id.b]);
    expect(inputsOf(letGo.released[0]).parents?.a).toMatchObject({ result: 'A' });
  });

  it('redrives a job with parents back to waiting, to run again with its parents’ outcomes', async () => {
    const { flowId, id } = await givenFlow({ a: [], b: ['a'] });
    await store.applyEvents([started(id.a), failed(id.a)]);
    await store.releaseFlow(flowId, T0 + 300, build);
    expect(await status(id.b)).toBe('failed');

    const redriveA = await store.redrive(id.a, (job) => messageFor(job));
    const redriveB = await store.redrive(id.b, () => {
      throw new Error('a job that waits for its parents has no message yet');
    });

    expect(redriveA?.status).toBe('queued');
    expect(redriveB).toMatchObject({ status: 'waiting', series: 2 });
    expect(await status(id.b)).toBe('waiting');
    expect((await store.releaseFlow(flowId, Date.now(), build)).released).toEqual([]);
    await store.applyEvents([
      { ...started(id.a), series: 2 },
      { ...(succeeded(id.a, 'again') as JobEvent), series: 2 },
    ]);
    const pass = await store.releaseFlow(flowId, Date.now(), build);
    expect(pass.released.map(({ job }) => [job.id, job.series])).toEqual([[id.b, 2]]);
    expect(inputsOf(pass.released[0].message).parents?.a).toMatchObject({ status: 'succeeded', result: 'again' });
  });

  it('forgets a flow’s jobs, edges and the flow once retention purges them', async () => {
    const { flowId, id } = await givenFlow({ a: [], b: ['a'] });
    await store.applyEvents([started(id.a), failed(id.a)]);
    await store.releaseFlow(flowId, T0 + 300, build);

    expect(await store.purgeFinished('step', Date.now() + 1, 100)).toBe(2);

    expect(await store.getFlow(flowId)).toBeUndefined();
    expect(await store.flowsAfter([id.a])).toEqual([]);
    const left = await store.database.selectFrom('flow_edges').selectAll().execute();
    expect(left).toEqual([]);
  });
});
