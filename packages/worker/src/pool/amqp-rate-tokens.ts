import { AmqpConnection, ManagedChannel, declareRateTokenQueue, rateTokenQueue } from '@cask/core';
import type { CaskTopology } from '@cask/contracts';
import type { Channel } from 'amqplib';
import { RateTokens } from './rate-tokens';

/**
 * Takes start tokens from each rate-limited type's token queue with `basic.get`. Without an ack: a token
 * taken is spent whatever happens next, and one lost with a dying worker only slows that second down.
 */
export class AmqpRateTokens extends RateTokens {
  private readonly channel: ManagedChannel<Channel>;

  constructor(
    connection: AmqpConnection,
    private readonly topology: CaskTopology,
    private readonly types: readonly string[],
  ) {
    super();
    this.channel = new ManagedChannel(
      connection,
      'rate-tokens',
      (c) => c.createChannel(),
      async (channel) => {
        // Declared here too: a basic.get on a queue that does not exist would close the channel.
        for (const type of types) await declareRateTokenQueue(channel, topology, type);
      },
    );
  }

  /** Opens the channel, waiting for the broker; nothing to do when no type is rate-limited. */
  async start(): Promise<void> {
    if (this.types.length > 0) await this.channel.start();
  }

  stop(): Promise<void> {
    return this.channel.stop();
  }

  async take(type: string): Promise<boolean> {
    const channel = this.channel.current;
    if (!channel) return false;
    try {
      return (await channel.get(rateTokenQueue(this.topology, type), { noAck: true })) !== false;
    } catch {
      // The channel closed under us (the broker went away, or the queue was deleted): it reopens by itself.
      return false;
    }
  }
}
