import { AmqpConnection, AmqpConsumer, Delivery, declareDeadLetters, retryWithBackoff } from '@cask/core';
import type { CaskTopology } from '@cask/contracts';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobEventConsumerOptions } from '../events/job-event-consumer.options';
import { withinGrace } from '../shutdown/within-grace';
import { CaskDatabase } from '../store/cask-database';
import { DeadLetterStore, NewDeadLetter } from '../store/dead-letter-store';
import { CASK_TOPOLOGY } from '../tokens';
import { letterFromMessage } from './letter-from-message';

/** Letters taken at once, and written in one insert. */
const BATCH = 100;

interface Pending {
  delivery: Delivery;
  letter: NewDeadLetter;
}

/** The letter with only what any store can hold: its body as base64, its headers left out. */
function plain(letter: NewDeadLetter): NewDeadLetter {
  const body = letter.bodyEncoding === 'base64' ? letter.body : Buffer.from(letter.body).toString('base64');
  return { ...letter, body, bodyEncoding: 'base64', headers: { 'x-cask-note': 'headers left out: the store refused them' } };
}

/**
 * Moves the broker's dead-letter queue into the store, where operators browse, redrive and discard letters
 * (`GET /dead-letters`, the dashboard). Each message is acked only once its letter is committed, and a letter
 * read twice is stored once, so a crash neither loses nor doubles one. While the store is away letters wait in
 * the broker.
 */
@Injectable()
export class DeadLetterConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeadLetterConsumer.name);
  private readonly consumer: AmqpConsumer;
  private pending: Pending[] = [];
  private flushing?: Promise<void>;
  private scheduled = false;
  private stopping = false;

  constructor(
    connection: AmqpConnection,
    private readonly store: DeadLetterStore,
    private readonly database: CaskDatabase,
    @Inject(CASK_TOPOLOGY) topology: CaskTopology,
    private readonly options: JobEventConsumerOptions,
  ) {
    this.consumer = new AmqpConsumer(connection, {
      queue: topology.deadLetterQueue,
      prefetch: BATCH,
      declare: (channel) => declareDeadLetters(channel, topology),
      onMessage: (delivery) => this.receive(delivery),
    });
  }

  /** True while its consumer is registered with the broker. */
  get isAttached(): boolean {
    return this.consumer.isAttached;
  }

  onApplicationBootstrap(): void {
    // Not awaited: the api serves while the broker is away.
    void this.consumer.start();
  }

  /** Stops taking letters and lets the write under way commit; the rest go back to the queue. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.consumer.cancel();
    await withinGrace(this.flushing, this.options.shutdownGraceMs);
    await this.consumer.stop();
  }

  private receive(delivery: Delivery): void {
    this.pending.push({ delivery, letter: letterFromMessage(delivery.message, Date.now()) });
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // One turn of the event loop, so the letters already in the socket buffer share the insert.
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flushLoop().finally(() => (this.flushing = undefined));
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0 && !this.stopping) await this.write(this.pending.splice(0, BATCH));
  }

  private async write(group: Pending[], simplified = false): Promise<void> {
    let refused = false;
    await retryWithBackoff(
      async () => {
        await this.store.add(group.map((item) => (simplified ? plain(item.letter) : item.letter)));
        for (const item of group) item.delivery.ack();
      },
      {
        giveUp: async (err) => {
          if (this.stopping) return true;
          const up = await this.database.ping().then(
            () => true,
            () => false,
          );
          // The store works, so a letter in this group is what it refuses: find it, and store it plainly.
          refused = up && !simplified;
          if (!refused) this.logger.warn(`Dead letters not stored (${err.message}); they wait in the broker`);
          return refused;
        },
      },
    );
    if (!refused) return;
    if (group.length > 1) {
      for (const item of group) await this.write([item]);
      return;
    }
    this.logger.warn(`The store refused a dead letter (reason ${group[0].letter.reason}); storing its body as base64, without headers`);
    await this.write(group, true);
  }
}
