import { MessageSigner, SIGNATURE_HEADER, decodeRateToken } from '@cask/contracts';
import type { Channel } from 'amqplib';
import { EventEmitter } from 'node:events';
import { topUpTokens } from './token-top-up';

/** A channel holding `ready` tokens whose buffer fills after `room` sends until the test drains it. */
function fakeChannel(ready: number, room = Infinity) {
  const emitter = new EventEmitter();
  const sent: Array<{ queue: string; persistent: unknown }> = [];
  const bodies: Array<{ content: Buffer; headers: Record<string, unknown> | undefined }> = [];
  let buffered = 0;
  emitter.on('drain', () => (buffered = 0));
  const channel = Object.assign(emitter, {
    checkQueue: async (queue: string) => ({ queue, messageCount: ready, consumerCount: 0 }),
    sendToQueue: (queue: string, content: Buffer, options: { persistent?: boolean; headers?: Record<string, unknown> }) => {
      sent.push({ queue, persistent: options.persistent });
      bodies.push({ content, headers: options.headers });
      buffered += 1;
      return buffered < room;
    },
  });
  return { channel: channel as unknown as Channel, sent, bodies, emitter };
}

describe('topUpTokens', () => {
  it('fills an empty token queue with the rate', async () => {
    const { channel, sent } = fakeChannel(0);

    expect(await topUpTokens(channel, 'acme.tokens.report', 'report', 5)).toBe(5);
    expect(sent).toEqual(Array.from({ length: 5 }, () => ({ queue: 'acme.tokens.report', persistent: false })));
  });

  it('adds only what the last second left unused, so no second gets more than the rate', async () => {
    const { channel, sent } = fakeChannel(3);

    expect(await topUpTokens(channel, 'acme.tokens.report', 'report', 5)).toBe(2);
    expect(sent).toHaveLength(2);
  });

  it('adds nothing to a full queue, nor to one holding more than the rate (after a rate was lowered)', async () => {
    expect(await topUpTokens(fakeChannel(5).channel, 'q', 'report', 5)).toBe(0);
    expect(await topUpTokens(fakeChannel(9).channel, 'q', 'report', 5)).toBe(0);
  });

  it('waits for the channel to drain when its buffer is full, then goes on', async () => {
    const { channel, sent, emitter } = fakeChannel(0, 2);
    const done = topUpTokens(channel, 'q', 'report', 3);
    await new Promise(setImmediate);
    expect(sent).toHaveLength(2);

    emitter.emit('drain');

    await expect(done).resolves.toBe(3);
    expect(sent).toHaveLength(3);
  });

  it('names the type in each token and, with signing keys, signs it as the workers check', async () => {
    const signer = new MessageSigner([{ id: 'k1', secret: 'a-secret-of-at-least-thirty-two-chars' }]);
    const { channel, bodies } = fakeChannel(0);
    await topUpTokens(channel, 'q', 'report', 2, signer);
    for (const { content, headers } of bodies) {
      expect(decodeRateToken(content)).toMatchObject({ ok: true, value: { type: 'report' } });
      expect(signer.verify(content, headers?.[SIGNATURE_HEADER])).toBe(true);
    }
    const unsigned = fakeChannel(0);
    await topUpTokens(unsigned.channel, 'q', 'report', 1);
    expect(unsigned.bodies[0].headers).toBeUndefined();
  });
});
