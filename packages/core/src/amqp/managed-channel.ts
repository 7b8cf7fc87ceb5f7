import { Logger } from '@nestjs/common';
import { retryWithBackoff } from '../retry-with-backoff';
import type { Channel } from 'amqplib';
import type { AmqpConnection } from './amqp-connection';

/** What to do with each fresh channel: declare topology, set prefetch, start consuming. */
export type ChannelSetup<C extends Channel> = (channel: C) => Promise<void>;

/**
 * A channel that is reopened, and set up again, whenever it closes: after a reconnect, a channel error
 * or a failed setup, with backoff so a broken setup never spins.
 */
export class ManagedChannel<C extends Channel = Channel> {
  private readonly logger: Logger;
  private channel?: C;
  private readonly closed = new WeakSet<Channel>();
  private stopped = false;
  private firstReady?: Promise<void>;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly name: string,
    private readonly create: (connection: AmqpConnection) => Promise<C>,
    private readonly setup: ChannelSetup<C>,
  ) {
    this.logger = new Logger(`${ManagedChannel.name}:${name}`);
  }

  /** The open, set-up channel, or undefined while there is none. */
  get current(): C | undefined {
    return this.channel;
  }

  /** Whether this channel object is still open (acks on a closed channel are meaningless). */
  isOpen(channel: Channel): boolean {
    return !this.closed.has(channel) && !this.stopped;
  }

  /** Opens the channel; resolves once it is set up, however long the broker takes to appear. */
  start(): Promise<void> {
    this.firstReady ??= this.openUntilReady();
    return this.firstReady;
  }

  /** Runs setup again on the current channel (after a consumer cancel); reopens if that fails. */
  async resetup(channel: C): Promise<void> {
    if (this.stopped || !this.isOpen(channel)) return;
    try {
      await this.setup(channel);
    } catch (err) {
      this.logger.warn(`Setup failed again (${(err as Error).message}); reopening the channel`);
      await channel.close().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const channel = this.channel;
    this.channel = undefined;
    if (channel && !this.closed.has(channel)) await channel.close().catch(() => undefined);
  }

  private async openUntilReady(): Promise<void> {
    await retryWithBackoff(
      async () => {
        if (this.stopped) return;
        const channel = await this.create(this.connection);
        try {
          this.watch(channel);
          await this.setup(channel);
          if (this.closed.has(channel)) throw new Error('channel closed during setup');
        } catch (err) {
          if (!this.closed.has(channel)) await channel.close().catch(() => undefined);
          throw err;
        }
        this.channel = channel;
      },
      {
        giveUp: () => this.stopped,
        onRetry: (err, delay) => this.logger.warn(`Could not open the ${this.name} channel (${err.message}); retrying in ${delay} ms`),
      },
    );
  }

  private watch(channel: C): void {
    channel.on('error', (err: Error) => this.logger.warn(`Channel error: ${err.message}`));
    channel.on('handler-error', (err: Error, event: string) =>
      this.logger.error(`Listener for channel event "${event}" threw: ${err.message}`, err.stack),
    );
    channel.once('close', () => {
      this.closed.add(channel);
      if (this.channel !== channel) return;
      this.channel = undefined;
      if (this.stopped) return;
      this.firstReady = this.openUntilReady();
      void this.firstReady;
    });
  }
}
