import { Logger } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { AmqpConnection } from './amqp-connection';
import { ManagedChannel } from './managed-channel';

/** One message taken from a queue, settled exactly once. */
export class Delivery {
  private settled = false;

  constructor(
    readonly message: ConsumeMessage,
    private readonly channel: Channel,
    private readonly owner: ManagedChannel,
    /** The queue it came from, for {@link flushed}. */
    private readonly queue?: string,
  ) {}

  /**
   * Resolves once the broker has processed every ack and nack sent so far on this delivery's channel: a round trip
   * on it (`queue.declare` passive), which the broker answers only after the frames before it. An ack alone is sent
   * without an answer, and a process that dies right after may find it never arrived.
   */
  async flushed(): Promise<void> {
    if (this.queue === undefined || !this.owner.isOpen(this.channel)) return;
    try {
      await this.channel.checkQueue(this.queue);
    } catch {
      // The channel closed: whatever it had not acked is back in the queue, as a redelivery.
    }
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** False once the channel it came on closed: the broker has already put the message back. */
  get isChannelOpen(): boolean {
    return this.owner.isOpen(this.channel);
  }

  /**
   * Acknowledges the message. Returns false when the channel it came on has closed: the broker has
   * requeued it already, so there is nothing left to acknowledge.
   */
  ack(): boolean {
    return this.settle(() => this.channel.ack(this.message));
  }

  /** Rejects the message; with `requeue` false it goes to the queue's dead-letter exchange. */
  nack(requeue: boolean): boolean {
    return this.settle(() => this.channel.nack(this.message, false, requeue));
  }

  private settle(action: () => void): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (!this.owner.isOpen(this.channel)) return false;
    try {
      action();
      return true;
    } catch {
      return false;
    }
  }
}

/** Settings of an {@link AmqpConsumer}. */
export interface AmqpConsumerOptions {
  queue: string;
  /** Unacknowledged messages the broker may hand this consumer at once (at first; see `resume`); must be finite. */
  prefetch: number;
  /** Declares the queue (and whatever it needs) on every fresh channel, before consuming. */
  declare(channel: Channel): Promise<void>;
  /** Called for every message; must settle the delivery eventually. Must not throw. */
  onMessage(delivery: Delivery): void;
  /** Arguments of `basic.consume`, computed on every attach (e.g. a stream offset). */
  consumeArguments?: () => Record<string, unknown>;
  /**
   * How often to check that the broker still counts this consumer, and re-attach it if not; 0 turns the
   * check off (stream queues report no consumer count).
   * @defaultValue `10000`
   */
  watchdogIntervalMs?: number;
}

/**
 * A manual-ack consumer with a finite prefetch that re-attaches itself after reconnects, channel errors
 * and consumer cancels (a `null` delivery, e.g. when the queue is deleted).
 */
export class AmqpConsumer {
  private readonly logger: Logger;
  private readonly channel: ManagedChannel;
  private attached = false;
  private consumerTag?: string;
  private cancelled = false;
  private paused = false;
  private prefetch: number;
  private watchdog?: NodeJS.Timeout;

  constructor(
    connection: AmqpConnection,
    private readonly options: AmqpConsumerOptions,
  ) {
    if (!Number.isInteger(options.prefetch) || options.prefetch < 1) {
      throw new RangeError(`prefetch must be a positive integer, got ${options.prefetch}`);
    }
    this.prefetch = options.prefetch;
    this.logger = new Logger(`${AmqpConsumer.name}:${options.queue}`);
    this.channel = new ManagedChannel(
      connection,
      `${options.queue}-consumer`,
      (c) => c.createChannel(),
      (ch) => this.attach(ch),
    );
  }

  get queue(): string {
    return this.options.queue;
  }

  /** True while a consumer is registered with the broker, or paused on purpose on a live channel. */
  get isAttached(): boolean {
    return (this.attached || this.paused) && this.channel.current !== undefined;
  }

  /** The prefetch the consumer asks for now. */
  get currentPrefetch(): number {
    return this.prefetch;
  }

  /**
   * Stops new deliveries for now; deliveries already taken can still be settled. Flow control for a consumer
   * whose messages carry several units of work each: {@link resume} takes messages again.
   */
  async pause(): Promise<void> {
    if (this.paused || this.cancelled) return;
    this.paused = true;
    const channel = this.channel.current;
    const tag = this.consumerTag;
    this.consumerTag = undefined;
    this.attached = false;
    if (channel && tag) await channel.cancel(tag).catch(() => undefined);
  }

  /**
   * Consumes again after {@link pause}, with a new prefetch if one is given; on a consumer that is not paused,
   * a different prefetch re-registers it (the broker applies a prefetch to consumers registered after it).
   */
  async resume(prefetch = this.prefetch): Promise<void> {
    if (this.cancelled) return;
    if (!Number.isInteger(prefetch) || prefetch < 1) throw new RangeError(`prefetch must be a positive integer, got ${prefetch}`);
    if (!this.paused) {
      if (prefetch === this.prefetch) return;
      await this.pause();
    }
    this.prefetch = prefetch;
    this.paused = false;
    const channel = this.channel.current;
    if (!channel) return;
    // A failure closes the channel, and the re-attach that follows consumes with this prefetch.
    await this.consume(channel).catch((err: Error) => this.logger.warn(`Could not consume ${this.options.queue} again: ${err.message}`));
  }

  async start(): Promise<void> {
    await this.channel.start();
    const interval = this.options.watchdogIntervalMs ?? 10_000;
    if (interval > 0) {
      this.watchdog = setInterval(() => void this.checkAttached(), interval);
      this.watchdog.unref();
    }
  }

  /** Stops taking new messages but keeps the channel, so deliveries already taken can still be settled. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    clearInterval(this.watchdog);
    const channel = this.channel.current;
    if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => undefined);
    this.attached = false;
  }

  async stop(): Promise<void> {
    this.cancelled = true;
    clearInterval(this.watchdog);
    this.attached = false;
    await this.channel.stop();
  }

  /**
   * A consumer can be connected and still not consume (a cancel that was never delivered, a re-attach that
   * failed). Ask the broker; re-attach when it counts no consumer on a channel we think is consuming.
   */
  private async checkAttached(): Promise<void> {
    const channel = this.channel.current;
    if (this.cancelled || this.paused || !channel) return;
    try {
      const { consumerCount } = await channel.checkQueue(this.options.queue);
      if (this.attached && consumerCount > 0) return;
      this.logger.warn(`Consumer of ${this.options.queue} is not attached (broker counts ${consumerCount}); re-attaching`);
      await this.channel.resetup(channel);
    } catch (err) {
      this.logger.warn(`Watchdog check of ${this.options.queue} failed: ${(err as Error).message}`);
    }
  }

  private async attach(channel: Channel): Promise<void> {
    if (this.cancelled) return;
    this.attached = false;
    channel.once('close', () => {
      this.attached = false;
    });
    await this.options.declare(channel);
    if (!this.paused) await this.consume(channel);
  }

  private async consume(channel: Channel): Promise<void> {
    // Per-consumer (not global) prefetch: RabbitMQ 4.3 refuses global prefetch.
    await channel.prefetch(this.prefetch, false);
    const { consumerTag } = await channel.consume(
      this.options.queue,
      (message) => {
        if (message === null) {
          this.attached = false;
          this.logger.warn(`The broker cancelled the consumer of ${this.options.queue}; re-attaching`);
          setTimeout(() => void this.channel.resetup(channel), 200);
          return;
        }
        this.options.onMessage(new Delivery(message, channel, this.channel as ManagedChannel, this.options.queue));
      },
      { noAck: false, arguments: this.options.consumeArguments?.() },
    );
    if (this.paused || this.cancelled) {
      // Paused or cancelled while the consume was under way: take nothing on it.
      await channel.cancel(consumerTag).catch(() => undefined);
      return;
    }
    this.consumerTag = consumerTag;
    this.attached = true;
  }
}
