import type { Channel } from 'amqplib';
import { once } from 'node:events';

/** A start token carries nothing: having one is the message. */
const TOKEN = Buffer.alloc(0);

/**
 * Fills a token queue up to `rate` tokens and resolves how many it added. Topping up rather than adding
 * `rate` keeps the tokens a second can use at `rate`, however many went unused before. Tokens are
 * transient: after a broker restart the next second's top-up replaces them.
 */
export async function topUpTokens(channel: Channel, queue: string, rate: number): Promise<number> {
  const { messageCount } = await channel.checkQueue(queue);
  let added = 0;
  for (let count = messageCount; count < rate; count += 1) {
    added += 1;
    if (!channel.sendToQueue(queue, TOKEN, { persistent: false })) {
      // The channel's buffer is full: wait until it drains (or the channel goes, and the next second retries).
      await Promise.race([once(channel, 'drain'), once(channel, 'close')]);
    }
  }
  return added;
}
