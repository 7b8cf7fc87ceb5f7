import { CaskSystem, publishRaw, rawConnection, takeMessages, waitFor } from '@cask/testing';
import { topologyFor } from '@cask/contracts';
import type { ChannelModel, GetMessage } from 'amqplib';

/** Messages no handler can take, published straight to the broker, go to the dead-letter queue. */
describe('dead letters', () => {
  const cask = new CaskSystem('dlq');
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

  const reasonOf = (message: GetMessage) => message.properties.headers?.['x-cask-reason'];
  const detailOf = (message: GetMessage) => String(message.properties.headers?.['x-cask-detail']);

  it('dead-letters garbage, an envelope missing fields and an unknown job type, with reasons, and keeps serving', async () => {
    const unknown = {
      v: 1,
      id: '01900000-0000-7000-8000-000000000001',
      type: 'no.such.job',
      payload: {},
      attempt: 1,
      series: 1,
      max_attempts: 1,
      backoff: { type: 'fixed', base_ms: 0, cap_ms: 0, jitter: 0 },
      timeout_ms: 1000,
      created_at: Date.now(),
    };
    await publishRaw(connection, topology.jobsExchange, 'default', '\u0000 not json at all');
    await publishRaw(connection, topology.jobsExchange, 'default', JSON.stringify({ v: 1, type: 'email.welcome' }));
    await publishRaw(connection, topology.jobsExchange, 'default', JSON.stringify(unknown));

    const letters = await takeMessages(connection, topology.deadLetterQueue, 3);
    const byBody = new Map(letters.map((m) => [m.content.toString(), m]));
    const garbage = byBody.get('\u0000 not json at all') as GetMessage;
    expect(reasonOf(garbage)).toBe('malformed');
    expect(detailOf(garbage)).toContain('not valid JSON');
    const missing = byBody.get(JSON.stringify({ v: 1, type: 'email.welcome' })) as GetMessage;
    expect(reasonOf(missing)).toBe('malformed');
    expect(detailOf(missing)).toContain('"id"');
    const unknownType = byBody.get(JSON.stringify(unknown)) as GetMessage;
    expect(reasonOf(unknownType)).toBe('unknown_type');
    expect(detailOf(unknownType)).toContain('no.such.job');
    expect(garbage.properties.headers?.['x-cask-source-queue']).toBe(topology.jobQueue('default'));

    const [job] = await cask.waitForTerminal([await cask.dispatch('email.welcome', { email: 'still@example.com', name: 'Still' })]);
    expect(job.status).toBe('succeeded');
    expect(cask.worker?.output.join('\n')).not.toMatch(/Unhandled|TypeError|uncaught/i);
  });

  it('leaves no dead-lettered message on the job queue (no requeue loop)', async () => {
    const channel = await connection.createChannel();
    const { messageCount, consumerCount } = await channel.checkQueue(topology.jobQueue('default'));
    await channel.close();
    expect(messageCount).toBe(0);
    expect(consumerCount).toBe(1);
  });

  it('dead-letters a malformed event message and the api keeps recording jobs', async () => {
    await publishRaw(connection, topology.eventsExchange, topology.eventsRoutingKey, '{"kind":"succeeded"}');
    const [letter] = await takeMessages(connection, topology.deadLetterQueue, 1);
    expect(reasonOf(letter)).toBe('malformed');
    expect(letter.properties.headers?.['x-cask-source-queue']).toBe(topology.eventsQueue);

    const [job] = await cask.waitForTerminal([await cask.dispatch('demo.flaky', { fail_times: 0 })]);
    expect(job.status).toBe('succeeded');
  });

  it('ignores a well-formed event for a job that does not exist', async () => {
    const phantom = [
      {
        kind: 'succeeded',
        job_id: '01900000-0000-7000-8000-00000000beef',
        type: 'email.welcome',
        series: 1,
        attempt: 1,
        at: Date.now(),
        started_at: Date.now(),
        worker: 'x',
        result: {},
      },
    ];
    await publishRaw(connection, topology.eventsExchange, topology.eventsRoutingKey, JSON.stringify(phantom));
    await waitFor(
      async () => {
        const channel = await connection.createChannel();
        const { messageCount } = await channel.checkQueue(topology.eventsQueue);
        await channel.close();
        return messageCount === 0;
      },
      { what: 'the event to be consumed' },
    );
    expect((await fetch(`${cask.baseUrl}/jobs/${phantom[0].job_id}`)).status).toBe(404);
  });
});
