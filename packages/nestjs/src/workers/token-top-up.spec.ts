import type { Channel } from 'amqplib';
import { EventEmitter } from 'node:events';
import { topUpTokens } from './token-top-up';

/** A channel holding `ready` tokens whose buffer fills after `room` sends until the test drains it. */
function fakeChannel(ready: number, room = Infinity) {
  const emitter = new EventEmitter();
  const sent: Array<{ queue: string; persistent: unknown }> = [];
  let buffered = 0;
  emitter.on('drain', () => (buffered = 0));
  const channel = Object.assign(emitter, {
    checkQueue: async (queue: string) => ({ queue, messageCount: ready, consumerCount: 0 }),
    sendToQueue: (queue: string, _content: Buffer, options: { persistent?: boolean }) => {
      sent.push({ queue, persistent: options.persistent });
      buffered += 1;
      return buffered < room;
    },
  });
  return { channel: channel as unknown as Channel, sent, emitter };
}

describe('topUpTokens', () => {
  it('fills an empty token queue with the rate', async () => {
    const { channel, sent } = fakeChannel(0);

    expect(await topUpTokens(channel, 'acme.tokens.report', 5)).toBe(5);
    expect(sent).toEqual(Array.from({ length: 5 }, () => ({ queue: 'acme.tokens.report', persistent: false })));
  });

  it('adds only what the last second left unused, so no second gets more than the rate', async () => {
    const { channel, sent } = fakeChannel(3);

    expect(await topUpTokens(channel, 'acme.tokens.report', 5)).toBe(2);
    expect(sent).toHaveLength(2);
  });

  it('adds nothing to a full queue, nor to one holding more than the rate (after a rate was lowered)', async () => {
    expect(await topUpTokens(fakeChannel(5).channel, 'q', 5)).toBe(0);
    expect(await topUpTokens(fakeChannel(9).channel, 'q', 5)).toBe(0);
  });

  it('waits for the channel to drain when its buffer is full, then goes on', async () => {
    const { channel, sent, emitter } = fakeChannel(0, 2);
    const done = topUpTokens(channel, 'q', 3);
    await new Promise(setImmediate);
    expect(sent).toHaveLength(2);

    emitter.emit('drain');

    await expect(done).resolves.toBe(3);
    expect(sent).toHaveLength(3);
  });
});
