import { AmqpConnection, AmqpConsumer, ConfirmPublisher, Delivery, declareControlStream, isAuthentic } from '@cask/core';
import { CaskTopology, MessageSigner, decodeControl, encodeControl } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Cancellations } from './cancellations';

/**
 * Reads the control stream from its start: every cancellation and queue pause still retained, then new ones
 * as they come. It knows which job series are cancelled (and tells the caller about each new cancel so a
 * running attempt can be aborted), and which queues are paused (holding their jobs until they are resumed).
 */
export class ControlListener {
  private readonly logger = new Logger(ControlListener.name);
  private readonly cancellations = new Cancellations();
  private readonly consumer: AmqpConsumer;
  private readonly syncWaiters = new Map<string, () => void>();
  /** Per queue, the latest pause or resume read, by its time. */
  private readonly queueStates = new Map<string, { paused: boolean; at: number }>();
  private readonly queueListeners: Array<(queue: string, paused: boolean) => void> = [];
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    connection: AmqpConnection,
    private readonly publisher: ConfirmPublisher,
    private readonly topology: CaskTopology,
    private readonly onCancel: (jobId: string, series: number) => void,
    private readonly signer?: MessageSigner,
  ) {
    this.consumer = new AmqpConsumer(connection, {
      queue: topology.controlStream,
      prefetch: 500,
      declare: (channel) => declareControlStream(channel, topology),
      // Every (re)attach reads the whole retained stream: cancellations made while away are not missed.
      consumeArguments: () => ({ 'x-stream-offset': 'first' }),
      // A stream queue always reports 0 consumers, so the watchdog would re-attach (and re-read) forever.
      watchdogIntervalMs: 0,
      onMessage: (delivery) => this.receive(delivery),
    });
  }

  /** Resolves once every cancellation written before the call is known. */
  async start(): Promise<void> {
    await this.consumer.start();
    await this.catchUp();
    this.pruneTimer = setInterval(() => this.cancellations.prune(), 3_600_000);
    this.pruneTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.consumer.stop();
  }

  isCancelled(jobId: string, series: number): boolean {
    return this.cancellations.has(jobId, series);
  }

  isPaused(queue: string): boolean {
    return this.queueStates.get(queue)?.paused ?? false;
  }

  /** Calls `listener` whenever a queue is paused or resumed. */
  onQueueChange(listener: (queue: string, paused: boolean) => void): void {
    this.queueListeners.push(listener);
  }

  private queueCommand(kind: 'pause' | 'resume', queue: string, at: number): void {
    const known = this.queueStates.get(queue);
    // Commands can be read out of order across (re)attaches: the latest by time wins.
    if (known && known.at > at) return;
    const paused = kind === 'pause';
    this.queueStates.set(queue, { paused, at });
    if ((known?.paused ?? false) === paused) return;
    this.logger.log(paused ? `Queue ${queue} paused: starting none of its jobs` : `Queue ${queue} resumed`);
    for (const listener of this.queueListeners) listener(queue, paused);
  }

  private receive(delivery: Delivery): void {
    const decoded = decodeControl(delivery.message.content);
    delivery.ack();
    if (!isAuthentic(this.signer, delivery.message)) {
      // A forged cancel must not stop a job; the stream keeps it, so it is only skipped.
      this.logger.warn('Ignoring a control message without a valid signature');
      return;
    }
    if (!decoded.ok) {
      this.logger.warn(`Ignoring a malformed control message (${decoded.reason})`);
      return;
    }
    const command = decoded.value;
    if (command.kind === 'sync') {
      this.syncWaiters.get(command.token)?.();
      return;
    }
    if (command.kind === 'cancel') {
      this.cancellations.add(command.job_id, command.series, command.at);
      this.onCancel(command.job_id, command.series);
      return;
    }
    this.queueCommand(command.kind, command.queue, command.at);
  }

  /** Writes a token to the stream and waits to read it back: then every earlier command has been read. */
  private async catchUp(): Promise<void> {
    const token = randomUUID();
    const seen = new Promise<void>((resolve) => this.syncWaiters.set(token, resolve));
    await this.publisher.publish('', this.topology.controlStream, encodeControl({ kind: 'sync', token }), { messageId: token });
    await seen;
    this.syncWaiters.delete(token);
    this.logger.debug(`Read the control stream: ${this.cancellations.size} cancelled job(s) known`);
  }
}
