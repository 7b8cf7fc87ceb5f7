import { EventEmitter } from 'node:events';
import type { AmqpConnection } from './amqp-connection';
import { QueueInspector } from './queue-inspector';

type Answer = { messageCount: number; consumerCount: number } | 'missing' | 'never';

/** A channel that answers checkQueue from a table, and closes itself for a missing queue, as RabbitMQ does. */
class FakeChannel extends EventEmitter {
  open = true;
  readonly asked: string[] = [];

  constructor(private readonly answers: Record<string, Answer>) {
    super();
  }

  checkQueue(queue: string): Promise<{ queue: string; messageCount: number; consumerCount: number }> {
    if (!this.open) return Promise.reject(new Error('Channel closed'));
    this.asked.push(queue);
    const answer = this.answers[queue] ?? 'missing';
    if (answer === 'never') return new Promise(() => undefined);
    if (answer === 'missing') {
      this.open = false;
      this.emit('error', new Error(`NOT_FOUND - no queue '${queue}'`));
      this.emit('close');
      return Promise.reject(new Error(`NOT_FOUND - no queue '${queue}'`));
    }
    return Promise.resolve({ queue, ...answer });
  }

  async close(): Promise<void> {
    if (!this.open) throw new Error('Channel closed');
    this.open = false;
    this.emit('close');
  }
}

function setup(answers: Record<string, Answer>, queues: string[], options: { timeoutMs?: number } = {}) {
  const channels: FakeChannel[] = [];
  const connection = {
    isConnected: true,
    createChannel: async () => {
      const channel = new FakeChannel(answers);
      channels.push(channel);
      return channel;
    },
  };
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms) };
  const inspector = new QueueInspector(connection as unknown as AmqpConnection, queues, {
    cacheMs: 1000,
    timeoutMs: options.timeoutMs,
    now: () => now,
  });
  const asked = () => channels.flatMap((channel) => channel.asked);
  return { inspector, connection, channels, clock, asked };
}

const stats = (messages: number, consumers: number) => ({ messageCount: messages, consumerCount: consumers });

describe('QueueInspector', () => {
  it('answers each queue’s ready messages and consumers, on one channel of its own', async () => {
    const { inspector, channels } = setup({ 'ns.jobs.default': stats(3, 1), 'ns.dead': stats(0, 0) }, ['ns.jobs.default', 'ns.dead']);

    const answer = await inspector.inspect();

    expect([...answer]).toEqual([
      ['ns.jobs.default', { messages: 3, consumers: 1 }],
      ['ns.dead', { messages: 0, consumers: 0 }],
    ]);
    expect(channels).toHaveLength(1);
  });

  it('reuses an answer for a second, so scrapes cannot hammer the broker, then asks again', async () => {
    const { inspector, clock, asked } = setup({ q: stats(1, 1) }, ['q']);

    await inspector.inspect();
    clock.advance(999);
    await inspector.inspect();
    expect(asked()).toEqual(['q']);

    clock.advance(1);
    await inspector.inspect();
    expect(asked()).toEqual(['q', 'q']);
  });

  it('shares one round between concurrent callers', async () => {
    const { inspector, asked } = setup({ a: stats(1, 0), b: stats(2, 0) }, ['a', 'b']);

    const [first, second] = await Promise.all([inspector.inspect(), inspector.inspect()]);

    expect(asked()).toEqual(['a', 'b']);
    expect(second).toBe(first);
  });

  it('leaves a missing queue out and answers the queues after it on a fresh channel', async () => {
    const { inspector, channels } = setup({ a: stats(1, 1), gone: 'missing', b: stats(2, 1) }, ['a', 'gone', 'b']);

    const answer = await inspector.inspect();

    expect([...answer.keys()]).toEqual(['a', 'b']);
    expect(answer.get('b')).toEqual({ messages: 2, consumers: 1 });
    expect(channels.map((channel) => channel.asked)).toEqual([['a', 'gone'], ['b']]);
  });

  it('gives up a round that takes longer than its timeout, keeping what it got, and closes the stuck channel', async () => {
    const { inspector, channels } = setup({ a: stats(1, 1), stuck: 'never', b: stats(2, 1) }, ['a', 'stuck', 'b'], { timeoutMs: 20 });

    const answer = await inspector.inspect();

    expect([...answer.keys()]).toEqual(['a']);
    expect(channels[0].open).toBe(false);
  });

  it('answers nothing, without opening a channel, while disconnected', async () => {
    const { inspector, connection, channels } = setup({ a: stats(1, 1) }, ['a']);
    connection.isConnected = false;

    expect((await inspector.inspect()).size).toBe(0);
    expect(channels).toHaveLength(0);
  });

  it('opens a new channel when the broker closed the last one between rounds', async () => {
    const { inspector, channels, clock } = setup({ a: stats(1, 1) }, ['a']);
    await inspector.inspect();
    await channels[0].close();
    clock.advance(1000);

    expect((await inspector.inspect()).get('a')).toEqual({ messages: 1, consumers: 1 });
    expect(channels).toHaveLength(2);
  });
});
