import { Logger } from '@nestjs/common';
import type { Channel } from 'amqplib';
import type { AmqpConnection } from './amqp-connection';

/** What the broker says about one queue. */
export interface QueueStats {
  /** Messages ready for delivery (not those delivered and awaiting their ack). */
  messages: number;
  /** Consumers attached to the queue. */
  consumers: number;
}

/** Settings of a {@link QueueInspector}. */
export interface QueueInspectorOptions {
  /**
   * How long one round of questions may take; queues not answered by then are left out of that round.
   * @defaultValue `1000`
   */
  timeoutMs?: number;
  /**
   * How long a round's answers are reused, so that frequent scrapes cannot hammer the broker.
   * @defaultValue `1000`
   */
  cacheMs?: number;
  /** @defaultValue `Date.now` */
  now?: () => number;
}

class Timeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'Timeout';
  }
}

/**
 * Asks the broker for the depth and consumer count of a list of queues (a passive `queue.declare`),
 * for metrics. It uses a channel of its own: the broker closes a channel that asks about a missing
 * queue, so the inspector opens another for the next question and no other channel of the app notices.
 * A missing queue is left out of the answer; so is every queue while the broker is unreachable.
 */
export class QueueInspector {
  private readonly logger = new Logger(QueueInspector.name);
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private channel?: Channel;
  private cached?: { at: number; stats: ReadonlyMap<string, QueueStats> };
  private round?: Promise<ReadonlyMap<string, QueueStats>>;
  private closed = false;

  constructor(
    private readonly connection: AmqpConnection,
    /** The queues, or a function giving them when asked (for a list complete only once the app started). */
    private readonly queues: readonly string[] | (() => readonly string[]),
    options: QueueInspectorOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.cacheMs = options.cacheMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The stats of every queue that answered, by queue name; from the last round if it is recent enough. Never throws. */
  inspect(): Promise<ReadonlyMap<string, QueueStats>> {
    if (this.cached && this.now() - this.cached.at < this.cacheMs) return Promise.resolve(this.cached.stats);
    // Concurrent scrapes share one round rather than each asking the broker.
    this.round ??= this.ask().finally(() => (this.round = undefined));
    return this.round;
  }

  /** Closes the channel; later calls answer nothing. */
  async close(): Promise<void> {
    this.closed = true;
    await this.dropChannel();
  }

  private async ask(): Promise<ReadonlyMap<string, QueueStats>> {
    const stats = new Map<string, QueueStats>();
    // Asking while disconnected would only wait for the connection: answer at once with nothing.
    if (this.closed || !this.connection.isConnected) return stats;
    const deadline = this.now() + this.timeoutMs;
    for (const queue of typeof this.queues === 'function' ? this.queues() : this.queues) {
      try {
        const channel = await this.withDeadline(this.openChannel(), deadline);
        const { messageCount, consumerCount } = await this.withDeadline(channel.checkQueue(queue), deadline);
        stats.set(queue, { messages: messageCount, consumers: consumerCount });
      } catch (err) {
        // A missing queue has closed the channel, and one that timed out may still owe an answer: either
        // way the next question goes on a fresh channel.
        await this.dropChannel();
        if (err instanceof Timeout) {
          this.logger.debug(`Queue stats incomplete: ${err.message}`);
          break;
        }
      }
    }
    this.cached = { at: this.now(), stats };
    return stats;
  }

  private async openChannel(): Promise<Channel> {
    if (this.channel) return this.channel;
    const channel = await this.connection.createChannel();
    // The broker closes the channel for a missing queue; that is expected here, not an error to report.
    channel.on('error', () => undefined);
    channel.once('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    this.channel = channel;
    return channel;
  }

  private async dropChannel(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
  }

  private withDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Timeout(this.timeoutMs)), Math.max(0, deadline - this.now()));
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }
}
