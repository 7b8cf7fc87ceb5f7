import { AmqpConnection, AmqpConsumer, AmqpConsumerOptions, ConfirmPublisher, Delivery, HOLD_TTL_MS, declareHoldQueue } from '@cask/core';
import { CaskTopology, JobOrigin, encodePack, packOriginHeaders } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { Holding } from './pack-parts';

/** How long a queue takes no splits after a rest did not come back: its consumer may not be getting messages. */
export const SPLIT_PAUSE_AFTER_LATE_MS = 30_000;

/** What {@link PackHolds} needs of a consumer; an {@link AmqpConsumer} unless a test says otherwise. */
export type HoldConsumer = Pick<AmqpConsumer, 'queue' | 'isAttached' | 'start' | 'cancel' | 'stop'>;

/**
 * A rest this worker holds. Its delivery changes when the hold queue's channel was lost and the broker gave the
 * rest back on the new one (it was younger than the TTL): the same jobs, still running here, held again.
 */
class HeldRest implements Holding {
  constructor(
    private delivery: Delivery,
    private readonly onSettled: () => void,
  ) {}

  heldAgain(delivery: Delivery): void {
    this.delivery = delivery;
  }

  get isChannelOpen(): boolean {
    return this.delivery.isChannelOpen;
  }

  ack(): boolean {
    this.onSettled();
    return this.delivery.ack();
  }

  nack(requeue: boolean): boolean {
    this.onSettled();
    return this.delivery.nack(requeue);
  }
}

/**
 * Where a worker keeps the unfinished rest of the packs it splits ({@link PackParts}): one hold queue per job
 * queue, named for this process, which only this process consumes. A rest is published there (confirmed) and
 * taken back at once, unacked: held by this worker as the pack was, so the pack can be acked without waiting for
 * its slowest job. If the worker dies, the broker puts the rest back in the hold queue, where it expires (2 s
 * after it was published, at once if older) and dead-letters to the suspect queue, as a redelivered pack would
 * be; a worker there moves its jobs on one by one.
 */
export class PackHolds {
  private readonly logger = new Logger(PackHolds.name);
  /** Names this process's hold queues: the worker id (for operators) and a part of its own (ids may repeat). */
  readonly holder: string;
  private readonly consumers = new Map<string, HoldConsumer>();
  /** Rests published and not yet taken back, by message id. */
  private readonly waiting = new Map<string, (delivery: Delivery) => void>();
  /** Rests held now, by message id. */
  private readonly live = new Map<string, HeldRest>();
  /** Rests given up on (not back in time, or not confirmed): a copy, if one comes, is acked and dropped. */
  private readonly late = new Set<string>();
  /** Per job queue: no splits until then, after a rest that did not come back. */
  private readonly pausedUntil = new Map<string, number>();
  /** Splits under way, which shutdown lets finish before it stops taking rests back. */
  private readonly underway = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly publisher: ConfirmPublisher,
    topology: CaskTopology,
    workerId: string,
    queues: readonly string[],
    /** Most rests this worker may hold from one queue at once: as many as the jobs it may hold from it. */
    prefetch: (queue: string) => number,
    /** A held message this process does not know (a rest given up on and requeued, a rest of an earlier process). */
    private readonly onOrphan: (queue: string, delivery: Delivery) => void,
    consumerFor: (options: AmqpConsumerOptions) => HoldConsumer = (options) => new AmqpConsumer(connection, options),
    private readonly now: () => number = Date.now,
  ) {
    this.holder = `${workerId.slice(0, 64)}.${randomUUID().slice(0, 8)}`;
    for (const queue of queues) {
      this.consumers.set(
        queue,
        consumerFor({
          queue: topology.holdQueue(queue, this.holder),
          prefetch: prefetch(queue),
          declare: (channel) => declareHoldQueue(channel, topology, queue, this.holder).then(() => undefined),
          onMessage: (delivery) => this.receive(queue, delivery),
        }),
      );
    }
  }

  /** The hold queues' consumers, started and stopped with the job queues' ones. */
  get all(): readonly HoldConsumer[] {
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
   * Publishes jobs of a pack as a message this worker holds, and resolves with it once it is back in this
   * worker's hands; undefined when it cannot be held now (shutting down, the hold queue's consumer away, or
   * paused after a rest that did not come back), and the caller keeps the pack.
   */
  hold(queue: string, pack: ConsumeMessage, bodies: readonly Buffer[], origins: readonly JobOrigin[]): Promise<Holding | undefined> {
    const consumer = this.consumers.get(queue);
    if (this.closing || !consumer?.isAttached || this.now() < (this.pausedUntil.get(queue) ?? 0)) return Promise.resolve(undefined);
    const split = this.split(queue, consumer, pack, bodies, origins);
    this.underway.add(split);
    void split.finally(() => this.underway.delete(split));
    return split;
  }

  private async split(
    queue: string,
    consumer: HoldConsumer,
    pack: ConsumeMessage,
    bodies: readonly Buffer[],
    origins: readonly JobOrigin[],
  ): Promise<Holding | undefined> {
    const id = randomUUID();
    const back = new Promise<Delivery>((resolve) => this.waiting.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    const tooLate = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), HOLD_TTL_MS / 2);
    });
    try {
      await this.publisher.publish('', consumer.queue, encodePack(bodies), {
        messageId: id,
        type: pack.properties.type as string | undefined,
        priority: pack.properties.priority as number | undefined,
        headers: packOriginHeaders(origins),
      });
    } catch (err) {
      // It may be in the queue all the same (a confirm that timed out): a copy back already, or later, is dropped.
      clearTimeout(timer);
      this.giveUp(queue, id, `not confirmed (${(err as Error).message})`, bodies.length);
      (await Promise.race([back, Promise.resolve(undefined)]))?.ack();
      return undefined;
    }
    const delivery = await Promise.race([back, tooLate]);
    clearTimeout(timer);
    if (!delivery) {
      this.giveUp(queue, id, `not back within ${HOLD_TTL_MS / 2} ms`, bodies.length);
      return undefined;
    }
    const rest = new HeldRest(delivery, () => this.live.delete(id));
    this.live.set(id, rest);
    return rest;
  }

  /** The pack keeps the rest's jobs; a copy of the rest that comes later is dropped, and the queue splits nothing for a while. */
  private giveUp(queue: string, id: string, why: string, jobs: number): void {
    this.waiting.delete(id);
    this.late.add(id);
    setTimeout(() => this.late.delete(id), 10 * HOLD_TTL_MS).unref();
    this.pausedUntil.set(queue, this.now() + SPLIT_PAUSE_AFTER_LATE_MS);
    this.logger.warn(
      `The rest of a pack from ${queue} was ${why}; keeping the pack, and splitting none from ${queue} for ` +
        `${SPLIT_PAUSE_AFTER_LATE_MS / 1000} s (if that rest expired in the broker, its ${jobs} job(s) run again from the suspect queue)`,
    );
  }

  private receive(queue: string, delivery: Delivery): void {
    const id = delivery.message.properties.messageId as string | undefined;
    if (id === undefined) return this.onOrphan(queue, delivery);
    const waiting = this.waiting.get(id);
    if (waiting) {
      this.waiting.delete(id);
      waiting(delivery);
      return;
    }
    const live = this.live.get(id);
    if (live && !live.isChannelOpen) {
      // The channel it was held on closed and the broker gave it back on the new one: held again, not lost.
      live.heldAgain(delivery);
      return;
    }
    if (this.late.delete(id)) {
      // A copy: the pack it was split from still holds its jobs.
      delivery.ack();
      return;
    }
    this.onOrphan(queue, delivery);
  }
}
