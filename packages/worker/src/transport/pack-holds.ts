import { AmqpConnection, AmqpConsumer, ConfirmPublisher, Delivery, HOLD_TTL_MS, declareHoldQueue } from '@cask/core';
import { CaskTopology, encodePack, packRequestIdHeaders } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';

/**
 * Where a worker keeps the unfinished rest of the packs it splits ({@link PackParts}): one hold queue per job
 * queue, named for this process, which only this process consumes. A rest is published there (confirmed) and
 * taken back at once, unacked: held by this worker as the pack was, so the pack can be acked without waiting for
 * its slowest job. If the worker dies, the broker puts the rest back in the hold queue, where it expires and
 * dead-letters to the suspect queue, as a redelivered pack would be; a worker there moves its jobs on one by one.
 */
export class PackHolds {
  private readonly logger = new Logger(PackHolds.name);
  /** Names this process's hold queues: the worker id (for operators) and a part of its own (ids may repeat). */
  readonly holder: string;
  private readonly consumers = new Map<string, AmqpConsumer>();
  /** Rests published and not yet taken back, by message id. */
  private readonly waiting = new Map<string, (delivery: Delivery) => void>();
  /** Rests that came back too late: the pack they were split from kept their jobs. */
  private readonly late = new Set<string>();
  /** Splits under way, which shutdown lets finish before it stops taking rests back. */
  private readonly underway = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly publisher: ConfirmPublisher,
    private readonly topology: CaskTopology,
    workerId: string,
    queues: readonly string[],
    /** Most rests this worker may hold from one queue at once: as many as the jobs it may hold from it. */
    prefetch: (queue: string) => number,
    /** A held message this process does not know (its channel was lost, so the split was let go). */
    private readonly onOrphan: (queue: string, delivery: Delivery) => void,
  ) {
    this.holder = `${workerId.slice(0, 64)}.${randomUUID().slice(0, 8)}`;
    for (const queue of queues) {
      this.consumers.set(
        queue,
        new AmqpConsumer(connection, {
          queue: topology.holdQueue(queue, this.holder),
          prefetch: prefetch(queue),
          declare: (channel) => declareHoldQueue(channel, topology, queue, this.holder).then(() => undefined),
          onMessage: (delivery) => this.receive(queue, delivery),
        }),
      );
    }
  }

  /** The hold queues' consumers, started and stopped with the job queues' ones. */
  get all(): readonly AmqpConsumer[] {
    return [...this.consumers.values()];
  }

  /**
   * Shutdown: no more splits; once those under way have their rest back (or gave up), the hold queues' consumers
   * take nothing more. A rest published and not taken back would expire and run again from the suspect queue.
   */
  async cancel(): Promise<void> {
    this.closing = true;
    await Promise.all(this.underway);
    await Promise.all(this.all.map((consumer) => consumer.cancel()));
  }

  /**
   * After the consumers stopped, on a clean shutdown: deletes the hold queues that are empty, as they should be
   * with every job settled (one still holding a rest that came back keeps it, to expire to the suspect queue).
   */
  async remove(): Promise<void> {
    for (const consumer of this.consumers.values()) {
      try {
        const channel = await this.connection.createChannel();
        channel.on('error', () => undefined);
        await channel.deleteQueue(consumer.queue, { ifEmpty: true });
        await channel.close();
      } catch (err) {
        this.logger.warn(`Left ${consumer.queue} to expire (${(err as Error).message})`);
      }
    }
  }

  /**
   * Publishes jobs of a pack as a message this worker holds, and resolves with its delivery once it is back in
   * this worker's hands; undefined when it cannot be held now (the hold queue's consumer is away, the broker did
   * not confirm), and the caller keeps the pack.
   */
  hold(
    queue: string,
    pack: ConsumeMessage,
    bodies: readonly Buffer[],
    requestIds: ReadonlyArray<string | undefined>,
  ): Promise<Delivery | undefined> {
    const consumer = this.consumers.get(queue);
    if (this.closing || !consumer?.isAttached) return Promise.resolve(undefined);
    const split = this.split(queue, consumer, pack, bodies, requestIds);
    this.underway.add(split);
    void split.finally(() => this.underway.delete(split));
    return split;
  }

  private async split(
    queue: string,
    consumer: AmqpConsumer,
    pack: ConsumeMessage,
    bodies: readonly Buffer[],
    requestIds: ReadonlyArray<string | undefined>,
  ): Promise<Delivery | undefined> {
    const id = randomUUID();
    const back = new Promise<Delivery>((resolve) => this.waiting.set(id, resolve));
    try {
      await this.publisher.publish('', consumer.queue, encodePack(bodies), {
        messageId: id,
        type: pack.properties.type as string | undefined,
        priority: pack.properties.priority as number | undefined,
        headers: packRequestIdHeaders(requestIds),
      });
    } catch (err) {
      this.waiting.delete(id);
      this.logger.warn(`Could not hold the rest of a pack from ${queue} (${(err as Error).message}); keeping the pack`);
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    const tooLate = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), HOLD_TTL_MS / 2);
    });
    const delivery = await Promise.race([back, tooLate]);
    clearTimeout(timer);
    if (delivery) return delivery;
    this.waiting.delete(id);
    this.late.add(id);
    setTimeout(() => this.late.delete(id), 10 * HOLD_TTL_MS).unref();
    this.logger.warn(
      `The rest of a pack from ${queue} did not come back within ${HOLD_TTL_MS / 2} ms; keeping the pack ` +
        `(if the rest expired meanwhile, its ${bodies.length} job(s) run again from the suspect queue)`,
    );
    return undefined;
  }

  private receive(queue: string, delivery: Delivery): void {
    const id = delivery.message.properties.messageId as string | undefined;
    const waiting = id === undefined ? undefined : this.waiting.get(id);
    if (waiting) {
      this.waiting.delete(id!);
      waiting(delivery);
      return;
    }
    if (id !== undefined && this.late.delete(id)) {
      // A copy: the pack it was split from still holds its jobs.
      delivery.ack();
      return;
    }
    this.onOrphan(queue, delivery);
  }
}
