import { topologyFor } from '@cask/contracts';
import { CaskSystem, expectInvariants, rawConnection, waitFor } from '@cask/testing';

/** Scenario 9: duplicate events and a redelivered finished job never make a second terminal transition. */
describe('fault: duplicate events and deliveries', () => {
  const cask = new CaskSystem('dupes');
  const topology = topologyFor(cask.namespace);

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
  });

  afterAll(() => cask.stop());

  async function publish(exchange: string, routingKey: string, body: unknown): Promise<void> {
    const connection = await rawConnection();
    const channel = await connection.createConfirmChannel();
    channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(body)), { persistent: true });
    await channel.waitForConfirms();
    await connection.close();
  }

  it('ignores the same event published twice and a contradicting late one', async () => {
    const id = await cask.dispatch('email.welcome', { email: 'dupe@example.com', name: 'Dupe' });
    const [done] = await expectInvariants(cask, [id]);
    const event = {
      kind: 'succeeded',
      job_id: id,
      type: 'email.welcome',
      series: 1,
      attempt: 1,
      at: Date.now(),
      started_at: Date.now(),
      worker: 'forger',
      result: { forged: true },
    };
    const failed = { ...event, kind: 'failed', error: { code: 'late', message: 'late failure', retryable: false } };
    for (const body of [[event], [event], [failed]]) await publish(topology.eventsExchange, topology.eventsRoutingKey, body);
    await waitFor(
      async () => {
        const connection = await rawConnection();
        const channel = await connection.createChannel();
        const { messageCount } = await channel.checkQueue(topology.eventsQueue);
        await connection.close();
        return messageCount === 0;
      },
      { what: 'the events to be applied' },
    );

    const [after] = await expectInvariants(cask, [id]);
    expect(after).toMatchObject({ status: 'succeeded', result: done.result, error: null });
    expect(after.history.filter((h) => h.status === 'succeeded')).toHaveLength(1);
  });

  it('runs a redelivered finished job again without a second terminal transition', async () => {
    const id = await cask.dispatch('email.welcome', { email: 'again@example.com', name: 'Again' });
    const [first] = await expectInvariants(cask, [id]);
    const envelope = {
      v: 1,
      id,
      type: 'email.welcome',
      payload: { email: 'again@example.com', name: 'Again' },
      attempt: 1,
      series: 1,
      max_attempts: 3,
      backoff: { type: 'fixed', base_ms: 0, cap_ms: 0, jitter: 0 },
      timeout_ms: 5000,
      created_at: Date.now(),
    };
    await publish(topology.jobsExchange, 'default', envelope);
    await cask.worker?.waitForLine(new RegExp(`Job email.welcome ${id}`), 1).catch(() => undefined);
    await waitFor(
      async () => {
        const connection = await rawConnection();
        const channel = await connection.createChannel();
        const jobs = await channel.checkQueue(topology.jobQueue('default'));
        const events = await channel.checkQueue(topology.eventsQueue);
        await connection.close();
        return jobs.messageCount === 0 && events.messageCount === 0;
      },
      { what: 'the duplicate to run and its events to be applied' },
    );

    const [after] = await expectInvariants(cask, [id]);
    expect(after).toMatchObject({ status: 'succeeded', result: first.result, attempts: 1 });
    expect(after.history.filter((h) => h.status === 'succeeded')).toHaveLength(1);
  });
});
