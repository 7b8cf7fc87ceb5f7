import { CaskSystem, publishRaw, queueDepth, rawConnection, takeMessages, waitFor } from '@cask/testing';
import { encodePack, packRequestIdHeaders, topologyFor } from '@cask/contracts';
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
  async function storedJobs(payloads: object[]): Promise<Array<{ id: string; body: string }>> {
    const ids = [];
    for (const payload of payloads) ids.push(await cask.dispatch('demo.flaky', payload, { delay_ms: 3_600_000 }));
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
      packRequestIdHeaders(['req-pack-1', undefined, 'req-pack-3', undefined]) ?? {},
    );

    const jobs = await cask.waitForTerminal([first.id, second.id]);
    expect(jobs.map((job) => [job.status, job.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    const letters = await takeMessages(connection, topology.deadLetterQueue, 2);
    const byReason = new Map(
      letters.map((letter) => [letter.properties.headers?.['x-cask-reason'], JSON.parse(letter.content.toString())]),
    );
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
