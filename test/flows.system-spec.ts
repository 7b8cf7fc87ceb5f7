import { AppProcess, CaskSystem, JobBody, createTestDatabase, startApi, startWorker, waitFor } from '@cask/testing';

/** `GET /flows/:id`, as far as these tests read it. */
interface FlowBody {
  flow_id: string;
  kind: string;
  status: string;
  counts: Record<string, number>;
  nodes: Array<{ key: string; job_id: string; status: string; parents: Array<{ key: string; job_id: string; on_failure: string }> }>;
}

interface StepResult {
  name: string;
  parents: Record<string, { status: string; result: { name: string } | null }>;
  batch?: { total: number; succeeded: number; failed: number; cancelled: number };
}

const step = (name: string, extra: Record<string, unknown> = {}) => ({ type: 'demo.step', payload: { name, sleep_ms: 150, ...extra } });

/**
 * Flows over two api instances on one PostgreSQL database and two workers: a flow dispatched through one api
 * has its jobs' events applied by either, and its jobs run on either worker.
 */
describe('flows across two apis and two workers', () => {
  let database: { url: string; drop: () => Promise<void> };
  let cask: CaskSystem;
  let second: { process: AppProcess; baseUrl: string };
  let worker: AppProcess | undefined;

  async function call<T = Record<string, unknown>>(
    baseUrl: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T; location: string | null }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T, location: response.headers.get('location') };
  }

  async function flowOf(id: string, baseUrl = cask.baseUrl): Promise<FlowBody> {
    const answer = await call<FlowBody>(baseUrl, 'GET', `/flows/${id}`);
    expect(answer.status).toBe(200);
    return answer.body;
  }

  async function finished(flowId: string): Promise<FlowBody> {
    let flow: FlowBody | undefined;
    await waitFor(
      async () => {
        flow = await flowOf(flowId, second.baseUrl);
        return flow.status !== 'running';
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `flow ${flowId} to finish` },
    );
    return flow as FlowBody;
  }

  const at = (time: string | null | undefined) => Date.parse(time as string);
  const runs = (job: JobBody) => job.history.filter((entry) => entry.status === 'running').length;

  beforeAll(async () => {
    database = await createTestDatabase();
    cask = new CaskSystem('flows', { DATABASE_URL: database.url, DISPATCH_RATE_LIMIT_PER_SECOND: '0' });
    await cask.startApi();
    second = await startApi({ ...cask.commonEnv, RATE_LIMIT_PER_SECOND: '0' });
    await cask.startWorker({ WORKER_CONCURRENCY: '4' });
    worker = await startWorker({ ...cask.commonEnv, WORKER_CONCURRENCY: '4' });
  });

  afterAll(async () => {
    await Promise.all([second?.process.stop('SIGKILL'), worker?.stop('SIGKILL')]);
    await cask.stop();
    await database.drop();
  });

  it('runs a 3-level diamond once per job, each after its parents, each reading its parents’ results', async () => {
    const answer = await call<{ status: string; flow_id: string; job_ids: Record<string, string> }>(cask.baseUrl, 'POST', '/flows', {
      nodes: [
        { key: 'fetch', ...step('fetch') },
        { key: 'left', ...step('left'), parents: ['fetch'] },
        { key: 'right', ...step('right'), parents: ['fetch'] },
        { key: 'merge', ...step('merge'), parents: ['left', 'right'] },
      ],
    });
    expect(answer.status).toBe(202);
    expect(answer.location).toBe(`/flows/${answer.body.flow_id}`);
    const ids = answer.body.job_ids;
    expect(Object.keys(ids)).toEqual(['fetch', 'left', 'right', 'merge']);
    expect((await cask.get(ids.merge)).status).toBe('waiting');

    const flow = await finished(answer.body.flow_id);

    expect(flow).toMatchObject({ kind: 'flow', status: 'succeeded', counts: { succeeded: 4 } });
    expect(flow.nodes.find((node) => node.key === 'merge')?.parents.map((parent) => parent.key)).toEqual(['left', 'right'].sort());
    const jobs = Object.fromEntries(await Promise.all(Object.entries(ids).map(async ([key, id]) => [key, await cask.get(id)] as const)));
    for (const job of Object.values(jobs)) {
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1, flow_id: answer.body.flow_id });
      expect(runs(job)).toBe(1);
    }
    // In order: no job started before every one of its parents had finished.
    for (const child of ['left', 'right']) expect(at(jobs[child].started_at)).toBeGreaterThanOrEqual(at(jobs.fetch.finished_at));
    expect(at(jobs.merge.started_at)).toBeGreaterThanOrEqual(Math.max(at(jobs.left.finished_at), at(jobs.right.finished_at)));
    const merge = jobs.merge.result as unknown as StepResult;
    expect(merge.parents).toEqual({
      left: {
        status: 'succeeded',
        result: { name: 'left', parents: { fetch: { status: 'succeeded', result: { name: 'fetch', parents: {} } } } },
      },
      right: {
        status: 'succeeded',
        result: { name: 'right', parents: { fetch: { status: 'succeeded', result: { name: 'fetch', parents: {} } } } },
      },
    });
  });

  it('follows each edge’s policy when a parent fails', async () => {
    const answer = await call<{ flow_id: string; job_ids: Record<string, string> }>(second.baseUrl, 'POST', '/flows', {
      nodes: [
        { key: 'broken', ...step('broken', { fail: true }) },
        { key: 'fine', ...step('fine') },
        { key: 'needs-it', ...step('needs-it'), parents: ['broken'] },
        { key: 'below', ...step('below'), parents: ['needs-it'] },
        { key: 'reports', ...step('reports'), parents: [{ key: 'broken', on_failure: 'continue' }, 'fine'] },
        { key: 'regardless', ...step('regardless'), parents: [{ key: 'broken', on_failure: 'ignore' }, 'fine'] },
      ],
    });
    expect(answer.status).toBe(202);
    const ids = answer.body.job_ids;

    const flow = await finished(answer.body.flow_id);

    expect(flow.status).toBe('failed');
    expect(Object.fromEntries(flow.nodes.map((node) => [node.key, node.status]))).toEqual({
      broken: 'failed',
      fine: 'succeeded',
      'needs-it': 'failed',
      below: 'failed',
      reports: 'succeeded',
      regardless: 'succeeded',
    });
    const unrun = await cask.get(ids['needs-it']);
    expect(unrun.error).toMatchObject({ code: 'parent_failed' });
    expect(unrun.started_at).toBeNull();
    expect(runs(unrun)).toBe(0);
    const reports = (await cask.get(ids.reports)).result as unknown as StepResult;
    expect(reports.parents.broken).toEqual({ status: 'failed', result: null });
    const regardless = (await cask.get(ids.regardless)).result as unknown as StepResult;
    expect(Object.keys(regardless.parents)).toEqual(['fine']);
  });

  it('cancels what of a flow has not run: the running job finishes, its children never run', async () => {
    const answer = await call<{ flow_id: string; job_ids: Record<string, string> }>(cask.baseUrl, 'POST', '/flows', {
      nodes: [
        { key: 'slow', ...step('slow', { sleep_ms: 2000 }) },
        { key: 'next', ...step('next'), parents: ['slow'] },
        { key: 'last', ...step('last'), parents: [{ key: 'next', on_failure: 'continue' }] },
      ],
    });
    const ids = answer.body.job_ids;
    await waitFor(async () => (await cask.get(ids.slow)).status === 'running', { timeoutMs: 10_000, what: 'the slow job to start' });

    const cancelled = await call<FlowBody & { cancelled: number; running: number }>(
      second.baseUrl,
      'POST',
      `/flows/${answer.body.flow_id}/cancel`,
    );

    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ cancelled: 2, running: 1 });
    const flow = await finished(answer.body.flow_id);
    expect(Object.fromEntries(flow.nodes.map((node) => [node.key, node.status]))).toEqual({
      slow: 'succeeded',
      next: 'cancelled',
      last: 'cancelled',
    });
    expect(flow.status).toBe('cancelled');
    for (const key of ['next', 'last']) expect(runs(await cask.get(ids[key]))).toBe(0);
  });

  it('runs a batch’s callback once every job of the batch has finished, with their counts', async () => {
    const jobs = [step('b0'), step('b1'), step('b2', { fail: true }), step('b3'), step('b4')];
    const answer = await call<{ job_ids: string[]; flow_id: string; callback_id: string }>(cask.baseUrl, 'POST', '/jobs/batch', {
      jobs,
      callback: { type: 'demo.step', payload: { name: 'report' } },
    });
    expect(answer.status).toBe(202);
    expect(answer.body.job_ids).toHaveLength(5);

    const [callback] = await cask.waitForTerminal([answer.body.callback_id], 30_000);

    expect(callback.status).toBe('succeeded');
    const members = await Promise.all(answer.body.job_ids.map((id) => cask.get(id)));
    expect(at(callback.started_at)).toBeGreaterThanOrEqual(Math.max(...members.map((job) => at(job.finished_at))));
    expect((callback.result as unknown as StepResult).batch).toEqual({ total: 5, succeeded: 4, failed: 1, cancelled: 0 });
    expect((await flowOf(answer.body.flow_id)).kind).toBe('batch');
  });

  it('refuses a cycle, an unknown parent and a repeated key with the field and reason, storing nothing', async () => {
    const before = (await call<{ items: unknown[] }>(cask.baseUrl, 'GET', '/jobs?type=demo.step&limit=100')).body.items.length;

    const cycle = await call(cask.baseUrl, 'POST', '/flows', {
      nodes: [
        { key: 'a', ...step('a') },
        { key: 'b', ...step('b'), parents: ['a', 'c'] },
        { key: 'c', ...step('c'), parents: ['b'] },
      ],
    });
    const unknown = await call(cask.baseUrl, 'POST', '/flows', { nodes: [{ key: 'a', ...step('a'), parents: ['nope'] }] });
    const repeated = await call(cask.baseUrl, 'POST', '/flows', {
      nodes: [
        { key: 'a', ...step('a') },
        { key: 'a', ...step('a'), parents: [{ key: 'a', on_failure: 'sometimes' }] },
      ],
    });

    expect(cycle).toMatchObject({ status: 400, body: { error: 'Invalid flow; nothing was stored' } });
    expect(cycle.body.details).toEqual([{ field: 'nodes[1].parents', reason: 'makes a cycle: b → c → b' }]);
    expect(unknown.body.details).toEqual([{ field: 'nodes[0].parents[0]', reason: 'names no job of the flow: "nope"' }]);
    expect(repeated.status).toBe(400);
    expect(JSON.stringify(repeated.body.details)).toContain('on_failure');
    expect((await call<{ items: unknown[] }>(cask.baseUrl, 'GET', '/jobs?type=demo.step&limit=100')).body.items.length).toBe(before);
    expect((await call(cask.baseUrl, 'GET', '/flows/00000000-0000-7000-8000-000000000000')).status).toBe(404);
    expect((await call(cask.baseUrl, 'GET', '/flows/nope')).status).toBe(400);
  });
});
