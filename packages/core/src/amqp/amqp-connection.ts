import { Logger } from '@nestjs/common';
import * as amqplib from 'amqplib';
import type { Channel, ConfirmChannel, RecoveringChannelModel } from 'amqplib';
import { EventEmitter } from 'node:events';
import { coalesceWrites } from './coalesce-writes';

/** How to reach RabbitMQ and how hard to try. */
export interface AmqpConnectionOptions {
  /** `amqp://` or `amqps://` URL, credentials included. */
  url: string;
  /** Shown in RabbitMQ's management UI, e.g. `cask-api`. */
  connectionName: string;
  /**
   * Heartbeat interval in seconds; a silent broker is noticed after two missed beats.
   * @defaultValue `10`
   */
  heartbeatSeconds?: number;
  /** @defaultValue `200` */
  reconnectInitialDelayMs?: number;
  /** @defaultValue `10000` */
  reconnectMaxDelayMs?: number;
  /**
   * PEM CA bundle that verifies an `amqps://` broker's certificate, for a private CA.
   * @defaultValue Node's bundled public CAs
   */
  ca?: Buffer;
}

/** `amqp://user@host:port/vhost`: the URL with its password removed, safe to log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '<unparseable AMQP URL>';
  }
}

/** Adds `?heartbeat=` to the URL unless the user set one there. */
function withHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.toString();
}

/**
 * One connection to RabbitMQ that reconnects by itself (amqplib's `recovery`) and says whether it is up.
 * Channels are not recovered by amqplib: {@link ManagedChannel} reopens them.
 * Emits `connected` (every time, the first included) and `disconnected`.
 */
export class AmqpConnection extends EventEmitter {
  private readonly logger = new Logger(AmqpConnection.name);
  private model?: RecoveringChannelModel;
  private connected = false;
  private blocked = false;
  private failuresSinceConnect = 0;
  private warnedUncoalesced = false;
  private connects = 0;

  constructor(private readonly options: AmqpConnectionOptions) {
    super();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Connections made again after one was lost, since {@link open}: the first connection is not counted. */
  get reconnects(): number {
    return Math.max(0, this.connects - 1);
  }

  /** True while the broker refuses to take messages (memory or disk alarm). */
  get isBlocked(): boolean {
    return this.blocked;
  }

  get where(): string {
    return redactUrl(this.options.url);
  }

  /** Starts connecting and returns at once; channels wait for the connection. */
  async open(): Promise<void> {
    const model = await amqplib.connect(withHeartbeat(this.options.url, this.options.heartbeatSeconds ?? 10), {
      noDelay: true,
      ...(this.options.ca ? { ca: [this.options.ca] } : {}),
      clientProperties: { connection_name: this.options.connectionName },
      recovery: {
        waitForConnect: false,
        initialDelay: this.options.reconnectInitialDelayMs ?? 200,
        maxDelay: this.options.reconnectMaxDelayMs ?? 10_000,
        factor: 2,
        jitter: 0.2,
        maxRetries: Infinity,
      },
    });
    this.model = model;
    model.on('connect', () => this.onConnect());
    model.on('disconnect', (err: Error) => this.onDisconnect(err));
    model.on('connect-failed', (err: Error) => this.onConnectFailed(err));
    model.on('blocked', (reason: string) => {
      this.blocked = true;
      this.logger.warn(`RabbitMQ blocked the connection (${reason}); publishing is refused until it unblocks`);
    });
    model.on('unblocked', () => {
      this.blocked = false;
      this.logger.log('RabbitMQ unblocked the connection');
    });
    model.on('error', (err: Error) => this.logger.warn(`Connection error: ${err.message}`));
    model.on('handler-error', (err: Error, event: string) =>
      this.logger.error(`Listener for connection event "${event}" threw: ${err.message}`, err.stack),
    );
  }

  async createChannel(): Promise<Channel> {
    return this.withCoalescedWrites(await this.requireModel().createChannel());
  }

  async createConfirmChannel(): Promise<ConfirmChannel> {
    return this.withCoalescedWrites(await this.requireModel().createConfirmChannel());
  }

  private withCoalescedWrites<C extends Channel>(channel: C): C {
    if (!coalesceWrites(channel) && !this.warnedUncoalesced) {
      this.warnedUncoalesced = true;
      this.logger.warn('Could not coalesce socket writes on this amqplib version; publishing and acking cost more CPU');
    }
    return channel;
  }

  async close(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    this.connected = false;
    await model?.close();
  }

  private requireModel(): RecoveringChannelModel {
    if (!this.model) throw new Error('AmqpConnection.open() has not been called');
    return this.model;
  }

  private onConnect(): void {
    this.connected = true;
    this.blocked = false;
    this.failuresSinceConnect = 0;
    this.connects += 1;
    this.logger.log(`Connected to RabbitMQ at ${this.where}`);
    this.emit('connected');
  }

  private onDisconnect(err: Error): void {
    this.connected = false;
    this.logger.warn(`Lost the RabbitMQ connection (${err.message}); reconnecting with backoff`);
    this.emit('disconnected', err);
  }

  private onConnectFailed(err: Error): void {
    this.failuresSinceConnect += 1;
    // One clear line per outage, then a reminder every 20 attempts rather than a line per retry.
    if (this.failuresSinceConnect === 1 || this.failuresSinceConnect % 20 === 0) {
      this.logger.warn(
        `Cannot reach RabbitMQ at ${this.where} (${err.message || err.name}); ` +
          `retrying with backoff (attempt ${this.failuresSinceConnect})`,
      );
    }
  }
}
