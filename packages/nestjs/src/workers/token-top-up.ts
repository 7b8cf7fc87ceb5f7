import { MessageSigner, SIGNATURE_HEADER, encodeRateToken } from '@cask/contracts';
import type { Channel } from 'amqplib';
import { once } from 'node:events';

/**
 * Fills a type's token queue up to `rate` tokens and resolves how many it added. Topping up rather than adding
 * `rate` keeps the tokens a second can use at `rate`, however many went unused before. Tokens are
 * transient: after a broker restart the next second's top-up replaces them. With a signer each is signed.
 */
export async function topUpTokens(channel: Channel, queue: string, type: string, rate: number, signer?: MessageSigner): Promise<number> {
  const { messageCount } = await channel.checkQueue(queue);
  let added = 0;
  for (let count = messageCount; count < rate; count += 1) {
    added += 1;
    const token = encodeRateToken({ type, at: Date.now() });
    const headers = signer ? { [SIGNATURE_HEADER]: signer.sign(token) } : undefined;
    if (!channel.sendToQueue(queue, token, { persistent: false, contentType: 'application/json', headers })) {
      // The channel's buffer is full: wait until it drains (or the channel goes, and the next second retries).
      await Promise.race([once(channel, 'drain'), once(channel, 'close')]);
    }
  }
  return added;
}
