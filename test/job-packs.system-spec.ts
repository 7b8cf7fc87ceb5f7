import { CaskSystem, publishRaw, queueDepth, rawConnection, waitFor } from '@cask/testing';
import { encodePack, packOriginHeaders, topologyFor } from '@cask/contracts';
import type { ChannelModel } from 'amqplib';
import Database from 'better-sqlite3';

/**
 * Message format 2 (several jobs in one message) as the worker runs it: each job on its own, a bad entry
 * dead-lettered alone while its siblings run, a failing one retried alone, request ids kept per job.
 */
describe('job packs', () => {
  const cask = new CaskSystem('packs', { LOG_FORMAT: 'json', LOG_LEVEL: 'debug' });
  const topology = topologyFor(cask.namespace);
  let connection: ChannelModel;

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
    connection = await rawConnection();
  });

  afterAll(async () => {
    await connection?.close();
    await cask.stop();
  });

  /** Real jobs, dispatched an hour ahead so that their messages wait in the outbox: their stored bodies, by id. */
  async function storedJobs(payloads: object[], type = 'demo.flaky', options: object = {}): Promise<Array<{ id: string; body: string }>> {
    const ids = [];
    for (const payload of payloads) ids.push(await cask.dispatch(type, payload, { ...options, delay_ms: 3_600_000 }));
    const db = new Database(cask.sqlitePath, { readonly: true });
    try {
      return ids.map((id) => ({ id, body: (db.prepare('select body from outbox where job_id = ?').get(id) as { body: string }).body }));
    } finally {
      db.close();
    }
  }

  it('runs each job of a pack on its own and dead-letters a bad entry alone', async () => {
    const [first, second] = await storedJobs([{ fail_times: 0 }, { fail_times: 0 }]);
    const unknown = { ...JSON.parse(first.body), id: '01900000-0000-7000-8000-0000000000aa', type: 'no.such.job' };
    const broken = { v: 1, type: 'demo.flaky' };
    const pack = encodePack([first.body, JSON.stringify(broken), second.body, JSON.stringify(unknown)]);

    await publishRaw(
      connection,
      topology.jobsExchange,
      'default',
      pack,
      packOriginHeaders([{ requestId: 'req-pack-1' }, {}, { requestId: 'req-pack-3' }, {}]) ?? {},
    );

    const jobs = await cask.waitForTerminal([first.id, second.id]);
    expect(jobs.map((job) => [job.status, job.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    const letters = await cask.deadLetters(2);
    const byReason = new Map(letters.map((letter) => [letter.reason, JSON.parse(letter.body)]));
    // Each dead letter holds its own entry, not the pack.
    expect(byReason.get('malformed')).toEqual(broken);
    expect(byReason.get('unknown_type')).toMatchObject({ id: unknown.id, type: 'no.such.job' });
    // The worker's lines name each job's own request.
    const lines = cask.worker?.jsonLines() ?? [];
    expect(lines.some((line) => line.job_id === second.id && line.request_id === 'req-pack-3')).toBe(true);
  });

  it('retries a failing job of a pack on its own while its sibling finishes', async () => {
    const [flaky, steady] = await storedJobs([{ fail_times: 1 }, { fail_times: 0 }]);

    await publishRaw(connection, topology.jobsExchange, 'default', encodePack([flaky.body, steady.body]));

    const [flakyJob, steadyJob] = await cask.waitForTerminal([flaky.id, steady.id]);
    expect([flakyJob.status, flakyJob.attempts]).toEqual(['succeeded', 2]);
    expect([steadyJob.status, steadyJob.attempts]).toEqual(['succeeded', 1]);
    expect(flakyJob.history.map((entry) => [entry.status, entry.attempt])).toEqual([
      ['running', 1],
      ['retrying', 1],
      ['running', 2],
      ['succeeded', 2],
    ]);
  });

  it('packs the retries of a pack whose jobs all failed at once, and runs each again', async () => {
    // No jitter, so that every retry waits in the same delay queue.
    const backoff = { type: 'fixed', base_ms: 500, cap_ms: 500, jitter: 0 };
    const stored = await storedJobs(
      Array.from({ length: 4 }, () => ({ fail_times: 1 })),
      'demo.flaky',
      { backoff },
    );

    await publishRaw(connection, topology.jobsExchange, 'default', encodePack(stored.map((job) => job.body)));

    const jobs = await cask.waitForTerminal(stored.map((job) => job.id));
    expect(jobs.map((job) => [job.status, job.attempts])).toEqual(stored.map(() => ['succeeded', 2]));
    // They failed together: their retries went out in fewer messages than jobs.
    await cask.worker?.waitForLine(/Packed [2-4] retries for default into one message \(to [^)]*\.delay\.default\.500\)/);
  });

  it('splits off the slow rest of a pack, so that a worker killed after its fast jobs finished runs only the slow one again', async () => {
    await cask.worker?.stop();
    await cask.startWorker({ WORKER_PACK_SPLIT_MS: '200' });
    const [fast, other] = await storedJobs([{ fail_times: 0 }, { fail_times: 0 }]);
    const [slow] = await storedJobs([{ mode: 'sleep', ms: 3000 }], 'demo.fault');

    await publishRaw(connection, topology.jobsExchange, 'default', encodePack([fast.body, slow.body, other.body]));

    const finished = await cask.waitForTerminal([fast.id, other.id]);
    expect(finished.map((job) => [job.status, job.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    // 200 ms later the slow job alone is held in a message of its own, and the pack is acked; a job run after that
    // (a round trip through the same worker and connection) makes sure the ack reached the broker.
    await cask.worker?.waitForLine(/Split a pack from default: its 2 finished job\(s\) acked, the other 1 held/);
    await cask.waitForTerminal([await cask.dispatch('demo.flaky', { fail_times: 0 })]);
    await cask.worker?.stop('SIGKILL');
    await cask.startWorker();

    const [slowJob] = await cask.waitForTerminal([slow.id], 30_000);
    expect([slowJob.status, slowJob.attempts]).toEqual(['succeeded', 2]);
    // The new worker ran the slow job again (its rest expired from the dead worker's hold queue), and not the others.
    const touched = new Set((cask.worker?.jsonLines() ?? []).map((line) => line.job_id));
    expect([touched.has(slow.id), touched.has(fast.id), touched.has(other.id)]).toEqual([true, false, false]);
    expect(await queueDepth(topology.jobQueue('default'))).toBe(0);
  });

  it('sends a batch as packs once the live workers read them, and a new worker runs them all', async () => {
    // Workers announce in their heartbeats that they read packs; the api packs only then.
    const packed = async () => {
      const system = (await (await fetch(`${cask.baseUrl}/system`)).json()) as { queues: Array<{ name: string; packs: boolean | null }> };
      return system.queues.find((queue) => queue.name === 'default')?.packs === true;
    };
    await waitFor(packed, { what: 'GET /system to say the default queue takes packs' });
    // Killed without a goodbye, the worker stays listed (and packable) for the workers timeout: its queue keeps the messages.
    await cask.worker?.stop('SIGKILL');
    const response = await cask.post('/jobs/batch', {
      jobs: Array.from({ length: 45 }, () => ({ type: 'demo.flaky', payload: { fail_times: 0 } })),
    });
    expect(response.status).toBe(202);
    const ids = response.body.job_ids as string[];
    ids.forEach((id) => cask.dispatched.add(id));
    // 45 jobs in three messages: 20, 20 and 5.
    await waitFor(async () => (await queueDepth(topology.jobQueue('default'))) === 3, { what: 'three messages in the queue' });

    await cask.startWorker();
    const jobs = await cask.waitForTerminal(ids);
    expect(jobs.every((job) => job.status === 'succeeded' && job.attempts === 1)).toBe(true);
  });

  it('leaves nothing on the job queue once every job of a pack is settled', async () => {
    const channel = await connection.createChannel();
    const { messageCount } = await channel.checkQueue(topology.jobQueue('default'));
    await channel.close();
    expect(messageCount).toBe(0);
  });
});
