import { BrokerUnavailableError, MessageSigner, SIGNATURE_HEADER } from '@cask/contracts';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { AmqpConnection } from './amqp-connection';
import { ChannelSetup, ManagedChannel } from './managed-channel';

/** Options of one publish; every message is persistent, mandatory and JSON. */
export interface PublishOptions {
  /** Unique per message; how a broker return is matched to its publish. */
  messageId: string;
  /** AMQP `type` property, e.g. the job name. */
  type?: string;
  headers?: Record<string, unknown>;
  /** 0–9; honoured by job queues. */
  priority?: number;
  /**
   * False to publish a body Cask did not write (a dead letter's copy) without a signature of its own, so
   * that it cannot pass for Cask's anywhere; it keeps whatever signature header it came with. Default true.
   */
  sign?: boolean;
}

/** Settings of a {@link ConfirmPublisher}. */
export interface ConfirmPublisherOptions {
  /** Used in log lines, e.g. `jobs`. */
  name: string;
  /** Declares what this publisher publishes to, on every fresh channel. */
  setup: ChannelSetup<ConfirmChannel>;
  /**
   * How long to wait for the broker's confirm before calling the publish failed.
   * @defaultValue `10000`
   */
  confirmTimeoutMs?: number;
  /** Signs every message's body into its `x-cask-signature` header; without it messages go unsigned. */
  signer?: MessageSigner;
}

/**
 * Publishes on a confirm channel and resolves only when the broker has taken responsibility for the
 * message. Unroutable (returned), refused (nacked), unconfirmed-in-time and not-connected publishes
 * reject with {@link BrokerUnavailableError}: a message is never silently dropped.
 */
export class ConfirmPublisher {
  private readonly channel: ManagedChannel<ConfirmChannel>;
  private readonly returned = new Set<string>();
  private drained: Promise<unknown> | undefined;
  private readonly confirmTimeoutMs: number;
  private readonly signer?: MessageSigner;

  constructor(
    private readonly connection: AmqpConnection,
    options: ConfirmPublisherOptions,
  ) {
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
    this.signer = options.signer;
    this.channel = new ManagedChannel(
      connection,
      `${options.name}-publisher`,
      (c) => c.createConfirmChannel(),
      async (channel) => {
        channel.on('return', (message: ConsumeMessage) => {
          const id = message.properties.messageId as string | undefined;
          if (id) this.returned.add(id);
        });
        await options.setup(channel);
      },
    );
  }

  /** Resolves once the channel is open; waits for the broker if it is not up yet. */
  start(): Promise<void> {
    return this.channel.start();
  }

  stop(): Promise<void> {
    return this.channel.stop();
  }

  /** True when a publish would be attempted now (connected, not blocked, channel open). */
  get isReady(): boolean {
    return this.connection.isConnected && !this.connection.isBlocked && this.channel.current !== undefined;
  }

  /** Runs a declaration on the publisher's channel (e.g. a delay queue right before publishing to it). */
  async declare<T>(action: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
    const channel = this.channel.current;
    if (!this.connection.isConnected || !channel) {
      throw new BrokerUnavailableError(`Not connected to RabbitMQ at ${this.connection.where}`);
    }
    return action(channel);
  }

  async publish(exchange: string, routingKey: string, content: Buffer, options: PublishOptions): Promise<void> {
    while (this.drained) await this.drained;
    const channel = this.channel.current;
    if (!this.connection.isConnected || !channel) {
      throw new BrokerUnavailableError(`Not connected to RabbitMQ at ${this.connection.where}`);
    }
    if (this.connection.isBlocked) {
      throw new BrokerUnavailableError('RabbitMQ is blocking publishers (resource alarm)');
    }
    const properties: Options.Publish = {
      persistent: true,
      mandatory: true,
      contentType: 'application/json',
      messageId: options.messageId,
      timestamp: Date.now(),
      type: options.type,
      headers:
        this.signer && options.sign !== false ? { ...options.headers, [SIGNATURE_HEADER]: this.signer.sign(content) } : options.headers,
      priority: options.priority,
    };
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => settle(new BrokerUnavailableError(`RabbitMQ did not confirm the message within ${this.confirmTimeoutMs} ms`)),
        this.confirmTimeoutMs,
      );
      try {
        const writable = channel.publish(exchange, routingKey, content, properties, (err) => {
          if (this.returned.delete(options.messageId)) {
            settle(new BrokerUnavailableError(`No queue is bound to "${exchange}" for routing key "${routingKey}"`));
          } else if (err) {
            settle(new BrokerUnavailableError('RabbitMQ refused the message', { cause: err }));
          } else {
            settle();
          }
        });
        if (!writable && !this.drained) {
          // Both listeners go once either fires: a listener left behind per episode would pile up on the channel.
          this.drained = new Promise<void>((resolve) => {
            const done = () => {
              channel.off('drain', done);
              channel.off('close', done);
              resolve();
            };
            channel.once('drain', done);
            channel.once('close', done);
          }).finally(() => {
            this.drained = undefined;
          });
        }
      } catch (err) {
        settle(new BrokerUnavailableError('The channel closed before the message could be sent', { cause: err }));
      }
    });
  }
}
