import { AmqpConnection, ManagedChannel, declareRateTokenQueue, isAuthentic, rateTokenQueue } from '@cask/core';
import { CaskTopology, MessageSigner, decodeRateToken } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import type { Channel, GetMessage } from 'amqplib';
import { RateTokens } from './rate-tokens';

/** Tokens looked at for one start before giving up this time: forged ones are dropped on the way. */
const MAX_LOOKS = 20;

/**
 * Takes start tokens from each rate-limited type's token queue with `basic.get`. Without an ack: a token
 * taken is spent whatever happens next, and one lost with a dying worker only slows that second down.
 */
export class AmqpRateTokens extends RateTokens {
  private readonly logger = new Logger(AmqpRateTokens.name);
  private readonly channel: ManagedChannel<Channel>;
  private forged = 0;

  /** @param signer - with signing keys, only tokens the api signed (for their type) count */
  constructor(
    connection: AmqpConnection,
    private readonly topology: CaskTopology,
    private readonly types: readonly string[],
    private readonly signer?: MessageSigner,
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
      for (let look = 0; look < MAX_LOOKS; look += 1) {
        const token = await channel.get(rateTokenQueue(this.topology, type), { noAck: true });
        if (token === false) return false;
        if (this.counts(token, type)) return true;
      }
      return false;
    } catch {
      // The channel closed under us (the broker went away, or the queue was deleted): it reopens by itself.
      return false;
    }
  }

  /** Without signing keys any token counts; with them only one the api signed for this type (it is dropped if not). */
  private counts(token: GetMessage, type: string): boolean {
    if (!this.signer) return true;
    const decoded = decodeRateToken(token.content);
    if (isAuthentic(this.signer, token) && decoded.ok && decoded.value.type === type) return true;
    this.forged += 1;
    // Once, then every thousandth: a flood of forged tokens must not flood the log too.
    if (this.forged % 1000 === 1) this.logger.warn(`Dropped ${this.forged} start token(s) of ${type} not signed by the api`);
    return false;
  }
}
