import type { Delivery } from '@cask/core';
import { JobOrigin, PackEntry, SIGNATURE_HEADER, withOrigin } from '@cask/contracts';
import type { ConsumeMessage } from 'amqplib';

/** What the worker settles one job by: a whole message's delivery, or one job's part of a pack. */
export type JobDelivery = Pick<Delivery, 'message' | 'ack' | 'nack' | 'isChannelOpen' | 'isSettled' | 'flushed'>;

/** A lone job's delivery that says when it is settled. */
export function tracked(delivery: Delivery, onSettled: () => void): JobDelivery {
  let told = false;
  const tell = (settledNow: boolean) => {
    if (!told) {
      told = true;
      onSettled();
    }
    return settledNow;
  };
  return {
    message: delivery.message,
    ack: () => tell(delivery.ack()),
    nack: (requeue: boolean) => tell(delivery.nack(requeue)),
    flushed: () => delivery.flushed(),
    get isChannelOpen() {
      return delivery.isChannelOpen;
    },
    get isSettled() {
      return delivery.isSettled;
    },
  };
}

/** A message that holds jobs of a pack, as far as the pack settles it. */
export type Holding = Pick<Delivery, 'ack' | 'nack' | 'isChannelOpen'>;

/**
 * How a pack lets its finished jobs go before its slower ones finish: `hold` publishes the jobs at the given
 * indexes as a message of their own that this worker holds, and resolves with it (or undefined when it could
 * not, to try again later); the original message is then acked.
 */
export interface PackSplit {
  /** How long a finished job may wait on slower siblings before the rest of its message is split off. */
  readonly afterMs: number;
  hold(indexes: readonly number[]): Promise<Holding | undefined>;
  /** Told after a split: how many jobs the new message holds, and how many were let go with the acked one. */
  onSplit?(held: number, released: number): void;
}

type PartState = 'open' | 'done' | 'handed back';

/** The message that holds some of a pack's jobs now: the pack as it came, or a split-off rest of it. */
interface Holder {
  readonly delivery: Holding;
  readonly indexes: readonly number[];
  readonly original: boolean;
}

/**
 * The jobs of one pack as deliveries of their own. Each job is settled on its own (acked once its outcome is
 * confirmed, or handed back); the message is acked once every job is settled. Jobs handed back while others
 * finished (a shutdown that stopped some of them) go back to the queue as messages of their own through
 * `putBack`, then the pack is acked; when every job is handed back the message itself is requeued.
 *
 * With a {@link PackSplit}, a job that finished does not wait long on slower siblings: `afterMs` after the first
 * job of the message finished, the unfinished rest is published as a message this worker holds, and the
 * original is acked, so a crash from then on re-runs only the rest. The rest splits again the same way.
 */
export class PackParts {
  private readonly original: Delivery;
  private readonly state: PartState[];
  private holder: Holder;
  private timer?: NodeJS.Timeout;
  private splitting?: Promise<void>;
  private finished = false;

  constructor(
    delivery: Delivery,
    private readonly entries: readonly PackEntry[],
    private readonly origins: readonly JobOrigin[],
    private readonly putBack: (indexes: readonly number[]) => Promise<void>,
    /** Called with a number of jobs each time some are let go (a message acked, requeued, or its jobs put back). */
    private readonly onReleased: (jobs: number) => void = () => undefined,
    private readonly split?: PackSplit,
  ) {
    this.state = entries.map(() => 'open');
    this.holder = { delivery, indexes: entries.map((_, index) => index), original: true };
    this.original = delivery;
  }

  /** The delivery of the job at `index`: its message is that job alone, with its own origin (request id, trace). */
  part(index: number): JobDelivery {
    const channelOpen = () => this.holder.delivery.isChannelOpen;
    const settled = () => this.state[index] !== 'open';
    return {
      message: this.messageOf(index),
      ack: () => this.settle(index, 'done'),
      nack: () => this.settle(index, 'handed back'),
      // A held rest (a message of this process's own) has no broker round trip to wait for.
      flushed: async () => (this.holder.delivery as Partial<Pick<Delivery, 'flushed'>>).flushed?.(),
      get isChannelOpen() {
        return channelOpen();
      },
      get isSettled() {
        return settled();
      },
    };
  }

  private settle(index: number, state: PartState): boolean {
    if (this.state[index] !== 'open') return false;
    this.state[index] = state;
    if (!this.finishIfDone() && state === 'done') this.splitLater();
    return this.holder.delivery.isChannelOpen;
  }

  private messageOf(index: number): ConsumeMessage {
    const { properties, fields } = this.original.message;
    // The pack's signature covers the pack, not this job alone; its lists of origins become this job's own.
    const headers = withOrigin(properties.headers, this.origins[index]);
    delete headers[SIGNATURE_HEADER];
    const entry = this.entries[index];
    // The job's own body is made only when something reads it (its dead letter): not for every job run.
    return {
      get content() {
        return entry.body;
      },
      fields,
      properties: { ...properties, headers },
    } as ConsumeMessage;
  }

  /** Settles the holding message once none of its jobs is open (after a split under way, if one is). */
  private finishIfDone(): boolean {
    if (this.finished || this.holder.indexes.some((index) => this.state[index] === 'open')) return false;
    clearTimeout(this.timer);
    if (this.splitting) return true;
    this.finished = true;
    this.finish(this.holder);
    return true;
  }

  private finish(holder: Holder): void {
    const released = () => this.onReleased(holder.indexes.length);
    const handedBack = holder.indexes.filter((index) => this.state[index] === 'handed back');
    if (handedBack.length === 0) {
      holder.delivery.ack();
      released();
      return;
    }
    if (holder.original && handedBack.length === holder.indexes.length) {
      holder.delivery.nack(true);
      released();
      return;
    }
    // Some jobs finished (or a split-off rest, which a requeue would not hand back): the others go back on their own.
    this.putBack(handedBack)
      .then(
        () => holder.delivery.ack(),
        () => holder.delivery.nack(true),
      )
      .finally(released);
  }

  private splitLater(): void {
    if (!this.split || this.timer || this.splitting || this.finished) return;
    this.timer = setTimeout(() => this.splitNow(), this.split.afterMs);
    this.timer.unref();
  }

  /** Publishes the jobs of the holding message that are not done as a message of their own, then acks the holder. */
  private splitNow(): void {
    this.timer = undefined;
    const split = this.split;
    const from = this.holder;
    const rest = from.indexes.filter((index) => this.state[index] !== 'done');
    if (!split || this.finished || rest.length === from.indexes.length || !rest.some((index) => this.state[index] === 'open')) return;
    this.splitting = split.hold(rest).then(
      (next) => {
        if (!next) return;
        this.holder = { delivery: next, indexes: rest, original: false };
        from.delivery.ack();
        this.onReleased(from.indexes.length - rest.length);
        split.onSplit?.(rest.length, from.indexes.length - rest.length);
      },
      () => undefined,
    );
    void this.splitting.then(() => {
      this.splitting = undefined;
      // Jobs may have finished meanwhile: all of the rest (settle it now), or some of it (split again later).
      if (!this.finishIfDone() && this.holder.indexes.some((index) => this.state[index] === 'done')) this.splitLater();
    });
  }
}
