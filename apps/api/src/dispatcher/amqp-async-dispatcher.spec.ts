import { AmqpConnection, ConfirmPublisher } from '@cask/amqp';
import { BrokerUnavailableError, DemoFlaky, WelcomeEmail, decodeEnvelope, topologyFor } from '@cask/contracts';
import { EventEmitter } from 'node:events';
import { SqliteJobStore } from '../store/sqlite-job-store';
import { AmqpAsyncDispatcher } from './amqp-async-dispatcher';
import { InvalidPayloadError } from './invalid-payload.error';

interface Published {
  exchange: string;
  routingKey: string;
  content: Buffer;
  properties: { messageId: string; persistent: boolean; mandatory: boolean; priority?: number; type?: string };
  callback: (err: Error | null) => void;
}

/** A confirm channel that records publishes and lets the test play the broker. */
class FakeConfirmChannel extends EventEmitter {
  readonly published: Published[] = [];
  writable = true;

  publish(exchange: string, routingKey: string, content: Buffer, properties: Published['properties'], callback: Published['callback']): boolean {
    this.published.push({ exchange, routingKey, content, properties, callback });
    return this.writable;
  }

  async close(): Promise<void> {
    this.emit('close');
  }

  ack(index = this.published.length - 1): void {
    this.published[index].callback(null);
  }

  nack(index = this.published.length - 1): void {
    this.published[index].callback(new Error('nacked'));
  }

  /** What RabbitMQ does for a mandatory message no queue is bound for: basic.return, then the ack. */
  returnUnroutable(index = this.published.length - 1): void {
    this.emit('return', { content: this.published[index].content, properties: { messageId: this.published[index].properties.messageId } });
    this.ack(index);
  }
}

class FakeConnection {
  isConnected = true;
  isBlocked = false;
  readonly where = 'amqp://fake';
  constructor(readonly channel: FakeConfirmChannel) {}
  async createConfirmChannel(): Promise<FakeConfirmChannel> {
    return this.channel;
  }
}

/** Resolves once `n` messages have been handed to the channel. */
async function publishedCount(channel: FakeConfirmChannel, n: number): Promise<void> {
  while (channel.published.length < n) await new Promise((resolve) => setImmediate(resolve));
}

describe('AmqpAsyncDispatcher over a fake confirm channel', () => {
  const topology = topologyFor('unit');
  let channel: FakeConfirmChannel;
  let connection: FakeConnection;
  let store: SqliteJobStore;
  let dispatcher: AmqpAsyncDispatcher;

  beforeEach(async () => {
    channel = new FakeConfirmChannel();
    connection = new FakeConnection(channel);
    store = new SqliteJobStore(':memory:');
    await store.migrate();
    const publisher = new ConfirmPublisher(connection as unknown as AmqpConnection, { name: 'test', setup: async () => undefined, confirmTimeoutMs: 200 });
    await publisher.start();
    dispatcher = new AmqpAsyncDispatcher(store, publisher, topology);
  });

  afterEach(() => store.close());

  it('publishes a persistent, mandatory envelope to the jobs exchange and resolves only after the confirm', async () => {
    let resolved = false;
    const dispatched = dispatcher.dispatch(WelcomeEmail, { email: 'ada@example.com', name: 'Ada' }).then((id) => {
      resolved = true;
      return id;
    });
    await publishedCount(channel, 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);

    const message = channel.published[0];
    expect(message.exchange).toBe('unit.jobs');
    expect(message.routingKey).toBe('default');
    expect(message.properties).toMatchObject({ persistent: true, mandatory: true, type: 'email.welcome', priority: 0 });
    const envelope = decodeEnvelope(message.content);
    expect(envelope.ok && envelope.value).toMatchObject({ v: 1, type: 'email.welcome', attempt: 1, payload: { email: 'ada@example.com', name: 'Ada' } });

    channel.ack(0);
    const id = await dispatched;
    expect(message.properties.messageId).toBe(id);
    expect(envelope.ok && envelope.value.id).toBe(id);
    expect(await store.get(id)).toMatchObject({ status: 'queued', type: 'email.welcome', queue: 'default' });
  });

  it('stores the row before publishing, so an event can never arrive for a job the store lacks', async () => {
    const dispatched = dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await publishedCount(channel, 1);
    const id = channel.published[0].properties.messageId;
    expect(await store.get(id)).toMatchObject({ status: 'queued' });
    channel.ack(0);
    await dispatched;
  });

  it.each([
    ['nacks the message', (c: FakeConfirmChannel) => c.nack(0)],
    ['returns it as unroutable', (c: FakeConfirmChannel) => c.returnUnroutable(0)],
    ['closes the channel before confirming', (c: FakeConfirmChannel) => c.published[0].callback(new Error('channel closed'))],
  ])('rejects with BrokerUnavailableError and removes the row when the broker %s', async (_what, broker) => {
    const dispatched = dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await publishedCount(channel, 1);
    const id = channel.published[0].properties.messageId;
    broker(channel);
    await expect(dispatched).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(await store.get(id)).toBeUndefined();
  });

  it('rejects when the broker does not confirm within the timeout, and removes the row', async () => {
    const dispatched = dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await publishedCount(channel, 1);
    const id = channel.published[0].properties.messageId;
    await expect(dispatched).rejects.toThrow(/did not confirm/);
    expect(await store.get(id)).toBeUndefined();
  });

  it('fails at once without publishing while disconnected, leaving no row', async () => {
    connection.isConnected = false;
    await expect(dispatcher.dispatch(DemoFlaky, { fail_times: 0 })).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(channel.published).toHaveLength(0);
    expect(await store.list({ limit: 10 })).toEqual([]);
  });

  it('fails at once while the broker blocks publishers', async () => {
    connection.isBlocked = true;
    await expect(dispatcher.dispatch(DemoFlaky, { fail_times: 0 })).rejects.toThrow(/blocking/);
    expect(channel.published).toHaveLength(0);
  });

  it('rejects an invalid payload before storing or publishing anything', async () => {
    const error = await dispatcher.dispatch(WelcomeEmail, { email: 'nope', name: 'Ada' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidPayloadError);
    expect((error as InvalidPayloadError).errors.map((e) => e.field)).toEqual(['email']);
    expect(channel.published).toHaveLength(0);
    expect(await store.list({ limit: 10 })).toEqual([]);
  });

  it('waits for drain before writing more when the channel buffer is full', async () => {
    channel.writable = false;
    const first = dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await publishedCount(channel, 1);
    channel.writable = true;
    const second = dispatcher.dispatch(DemoFlaky, { fail_times: 1 });
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(channel.published).toHaveLength(1);
    channel.emit('drain');
    await publishedCount(channel, 2);
    channel.ack(0);
    channel.ack(1);
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
  });

  it('getResult answers null for an unknown or malformed id and the view for a stored one', async () => {
    expect(await dispatcher.getResult('01900000-0000-7000-8000-000000000000')).toBeNull();
    expect(await dispatcher.getResult('not-an-id')).toBeNull();
    const dispatched = dispatcher.dispatch(DemoFlaky, { fail_times: 2 });
    await publishedCount(channel, 1);
    channel.ack(0);
    const id = await dispatched;
    expect(await dispatcher.getResult(id)).toMatchObject({ job_id: id, type: 'demo.flaky', status: 'queued', attempts: 0, result: null });
  });
});
