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
  ) {}

  get isSettled(): boolean {
    return this.settled;
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
  /** Unacknowledged messages the broker may hand this consumer at once; must be finite. */
  prefetch: number;
  /** Declares the queue (and whatever it needs) on every fresh channel, before consuming. */
  declare(channel: Channel): Promise<void>;
  /** Called for every message; must settle the delivery eventually. Must not throw. */
  onMessage(delivery: Delivery): void;
}

/**
 * A manual-ack consumer with a finite prefetch that re-attaches itself after reconnects, channel errors
 * and consumer cancels (a `null` delivery, e.g. when the queue is deleted).
 */
export class AmqpConsumer {
  private readonly logger: Logger;
  private readonly channel: ManagedChannel;
  private attached = false;

  constructor(connection: AmqpConnection, private readonly options: AmqpConsumerOptions) {
    if (!Number.isInteger(options.prefetch) || options.prefetch < 1) {
      throw new RangeError(`prefetch must be a positive integer, got ${options.prefetch}`);
    }
    this.logger = new Logger(`${AmqpConsumer.name}:${options.queue}`);
    this.channel = new ManagedChannel(connection, `${options.queue}-consumer`, (c) => c.createChannel(), (ch) => this.attach(ch));
  }

  /** True while a consumer is registered with the broker. */
  get isAttached(): boolean {
    return this.attached && this.channel.current !== undefined;
  }

  start(): Promise<void> {
    return this.channel.start();
  }

  async stop(): Promise<void> {
    this.attached = false;
    await this.channel.stop();
  }

  private async attach(channel: Channel): Promise<void> {
    this.attached = false;
    channel.once('close', () => {
      this.attached = false;
    });
    await this.options.declare(channel);
    // Per-consumer (not global) prefetch: RabbitMQ 4.3 refuses global prefetch.
    await channel.prefetch(this.options.prefetch, false);
    await channel.consume(
      this.options.queue,
      (message) => {
        if (message === null) {
          this.attached = false;
          this.logger.warn(`The broker cancelled the consumer of ${this.options.queue}; re-attaching`);
          setTimeout(() => void this.channel.resetup(channel), 200);
          return;
        }
        this.options.onMessage(new Delivery(message, channel, this.channel as ManagedChannel));
      },
      { noAck: false },
    );
    this.attached = true;
  }
}
