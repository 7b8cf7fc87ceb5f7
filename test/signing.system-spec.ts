import { CaskSystem, letterBytes, metricValue, publishRaw, rawConnection, scrapeMetrics, waitFor, workerHealthUrl } from '@cask/testing';
import { JobEnvelope, MessageSigner, SIGNATURE_HEADER, encodeEnvelope, topologyFor } from '@cask/contracts';
import type { ChannelModel } from 'amqplib';

const CURRENT = { id: 'k2', secret: 'the-current-secret-of-at-least-32-chars' };
const PREVIOUS = { id: 'k1', secret: 'the-previous-secret-still-accepted-here' };

/** With CASK_SIGNING_KEYS, only messages signed with one of the keys run or count: publish rights alone are not enough. */
describe('signed messages', () => {
  const cask = new CaskSystem('signing', { CASK_SIGNING_KEYS: `${CURRENT.id}:${CURRENT.secret},${PREVIOUS.id}:${PREVIOUS.secret}` });
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

  const envelopeOf = (id: string): JobEnvelope => ({
    v: 1,
    id,
    type: 'demo.flaky',
    payload: { fail_times: 0 },
    attempt: 1,
    series: 1,
    max_attempts: 3,
    backoff: { type: 'fixed', base_ms: 10, cap_ms: 10, jitter: 0 },
    timeout_ms: 5_000,
    created_at: Date.now(),
  });

  /** A job that waits an hour in the outbox: it has a row, and no message of Cask's own is in the broker. */
  const scheduledJob = () => cask.dispatch('demo.flaky', { fail_times: 0 }, { delay_ms: 3_600_000 });

  it('runs what Cask dispatches: jobs, events and heartbeats all pass the check', async () => {
    const [job] = await cask.waitForTerminal([await cask.dispatch('demo.flaky', { fail_times: 0 })]);
    expect(job.status).toBe('succeeded');
    await waitFor(async () => ((await (await fetch(`${cask.baseUrl}/workers`)).json()) as { items: unknown[] }).items.length === 1, {
      what: 'the worker to be listed from its signed heartbeat',
    });
  });

  it('dead-letters job messages that are unsigned, signed with an unknown key or altered after signing, as unauthentic, runs none, and counts them', async () => {
    const ids = [await scheduledJob(), await scheduledJob(), await scheduledJob()];
    const stranger = new MessageSigner([{ id: CURRENT.id, secret: 'a-secret-that-is-not-one-of-the-keys!!' }]);
    const signer = new MessageSigner([CURRENT]);
    const altered = encodeEnvelope({ ...envelopeOf(ids[2]), payload: { fail_times: 0 } });

    await publishRaw(connection, topology.jobsExchange, 'default', encodeEnvelope(envelopeOf(ids[0])));
    await publishRaw(connection, topology.jobsExchange, 'default', encodeEnvelope(envelopeOf(ids[1])), {
      [SIGNATURE_HEADER]: stranger.sign(encodeEnvelope(envelopeOf(ids[1]))),
    });
    await publishRaw(connection, topology.jobsExchange, 'default', altered, {
      [SIGNATURE_HEADER]: signer.sign(encodeEnvelope({ ...envelopeOf(ids[2]), payload: { fail_times: 2 } })),
    });

    const letters = await cask.deadLetters(3);
    expect(letters.map((letter) => letter.reason)).toEqual(['unauthentic', 'unauthentic', 'unauthentic']);
    expect(letters.map((letter) => letter.source_queue)).toEqual(Array(3).fill(topology.jobQueue('default')));
    // Their jobs are in the store, but not failed: a forged message never makes a job redrivable.
    expect(letters.map((letter) => [letter.job_status, letter.redrivable])).toEqual(Array(3).fill(['scheduled', false]));
    // The copies are not vouched for: moved back to a job queue by hand, they would be refused again.
    const keys = new MessageSigner([CURRENT, PREVIOUS]);
    expect(letters.filter((letter) => keys.verify(letterBytes(letter), letter.headers[SIGNATURE_HEADER]))).toEqual([]);
    for (const id of ids) expect(await cask.get(id)).toMatchObject({ status: 'scheduled', attempts: 0 });
    const workerMetrics = (await workerHealthUrl(cask.worker as NonNullable<typeof cask.worker>)).replace(/\/health$/, '');
    await waitFor(
      async () => metricValue(await scrapeMetrics(workerMetrics), 'cask_dead_lettered_total', { reason: 'unauthentic' }) === 3,
      {
        what: 'the worker to count the three forged job messages',
      },
    );
  });

  it('accepts a message signed with the second key, so keys rotate without downtime', async () => {
    const id = await scheduledJob();
    const body = encodeEnvelope(envelopeOf(id));

    await publishRaw(connection, topology.jobsExchange, 'default', body, { [SIGNATURE_HEADER]: new MessageSigner([PREVIOUS]).sign(body) });

    const [job] = await cask.waitForTerminal([id]);
    expect(job.status).toBe('succeeded');
  });

  it('never applies a forged event: it is dead-lettered as unauthentic, counted, and the job is unchanged', async () => {
    const id = await scheduledJob();
    const forged = Buffer.from(
      JSON.stringify([
        {
          kind: 'succeeded',
          job_id: id,
          type: 'demo.flaky',
          series: 1,
          attempt: 1,
          at: Date.now(),
          started_at: Date.now(),
          worker: 'mallory',
          result: { owned: true },
        },
      ]),
    );

    await publishRaw(connection, topology.eventsExchange, topology.eventsRoutingKey, forged);

    const [letter] = await cask.deadLetters(1, `source_queue=${topology.eventsQueue}`);
    expect(letter).toMatchObject({ reason: 'unauthentic', source_queue: topology.eventsQueue });
    expect(await cask.get(id)).toMatchObject({ status: 'scheduled', result: null });
    await waitFor(async () => metricValue(await scrapeMetrics(cask.baseUrl), 'cask_forged_messages_total', { kind: 'event' }) === 1, {
      what: 'the api to count the forged event',
    });
    expect(metricValue(await scrapeMetrics(cask.baseUrl), 'cask_jobs_succeeded_total', { type: 'demo.flaky' })).toBe(2);
  });
});
