import { rawConnection, uniqueNamespace } from '@cask/testing';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { coalesceWrites } from './coalesce-writes';

interface Socketish {
  _write: (...args: unknown[]) => void;
  _writev?: (chunks: unknown[], callback: unknown) => void;
}

describe('coalesceWrites', () => {
  let model: ChannelModel;
  let channel: ConfirmChannel;
  let queue: string;

  beforeEach(async () => {
    model = await rawConnection();
    channel = await model.createConfirmChannel();
    queue = uniqueNamespace('coalesce');
    await channel.assertQueue(queue, { durable: false, exclusive: true });
  });

  afterEach(async () => {
    await model.close();
  });

  /** Counts the socket writes (one per `_write`, one per `_writev`) while `send` runs and is confirmed. */
  async function socketWrites(send: () => void): Promise<number> {
    const socket = (channel as unknown as { connection: { stream: Socketish } }).connection.stream;
    let writes = 0;
    const write = socket._write.bind(socket);
    socket._write = (...args) => {
      writes += 1;
      write(...args);
    };
    const writev = socket._writev?.bind(socket);
    if (writev) {
      socket._writev = (chunks, callback) => {
        writes += 1;
        writev(chunks, callback);
      };
    }
    send();
    await channel.waitForConfirms();
    return writes;
  }

  const publish100 = () => {
    for (let i = 0; i < 100; i += 1) channel.sendToQueue(queue, Buffer.from(String(i)));
  };

  it('applies to the amqplib this project ships, and sends the frames of one pass in a few writes, not one each', async () => {
    const before = await socketWrites(publish100);
    expect(coalesceWrites(channel)).toBe(true);
    const after = await socketWrites(publish100);

    expect(before).toBeGreaterThanOrEqual(100);
    expect(after).toBeLessThanOrEqual(5);
  });

  it('keeps every message, in order', async () => {
    coalesceWrites(channel);
    await socketWrites(publish100);

    const received: string[] = [];
    for (let i = 0; i < 100; i += 1) {
      const message = await channel.get(queue, { noAck: true });
      if (message) received.push(message.content.toString());
    }
    expect(received).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it('can be applied to every channel of a connection', async () => {
    const other = await model.createChannel();
    expect(coalesceWrites(channel)).toBe(true);
    expect(coalesceWrites(other)).toBe(true);

    expect(await socketWrites(publish100)).toBeLessThanOrEqual(5);
  });

  it('changes nothing and says so for an object without amqplib internals', () => {
    expect(coalesceWrites({})).toBe(false);
    expect(coalesceWrites({ connection: { stream: {}, muxer: {} } })).toBe(false);
  });
});
