import type { Delivery } from '@cask/core';
import { PackEntry, REQUEST_IDS_HEADER, REQUEST_ID_HEADER, SIGNATURE_HEADER } from '@cask/contracts';
import type { ConsumeMessage } from 'amqplib';

/** What the worker settles one job by: a whole message's delivery, or one job's part of a pack. */
export type JobDelivery = Pick<Delivery, 'message' | 'ack' | 'nack' | 'isChannelOpen' | 'isSettled'>;

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
    get isChannelOpen() {
      return delivery.isChannelOpen;
    },
    get isSettled() {
      return delivery.isSettled;
    },
  };
}

/**
 * The jobs of one pack as deliveries of their own. Each job is settled on its own (acked once its outcome is
 * confirmed, or handed back); the message is acked once every job is settled. Jobs handed back while others
 * finished (a shutdown that stopped some of them) go back to the queue as messages of their own through
 * `putBack`, then the pack is acked; when every job is handed back the message itself is requeued.
 */
export class PackParts {
  private open: number;
  private readonly handedBack: number[] = [];

  constructor(
    private readonly delivery: Delivery,
    private readonly entries: readonly PackEntry[],
    private readonly requestIds: ReadonlyArray<string | undefined>,
    private readonly putBack: (indexes: readonly number[]) => Promise<void>,
    /** Called once, with the number of jobs, when the message is let go (acked, requeued or its jobs put back). */
    private readonly onReleased: (jobs: number) => void = () => undefined,
  ) {
    this.open = entries.length;
  }

  /** The delivery of the job at `index`: its message is that job alone, with its own request id. */
  part(index: number): JobDelivery {
    let settled = false;
    const settle = (handBack: boolean): boolean => {
      if (settled) return false;
      settled = true;
      if (handBack) this.handedBack.push(index);
      this.open -= 1;
      if (this.open === 0) this.finish();
      return this.delivery.isChannelOpen;
    };
    const parts = this.delivery;
    const message = this.messageOf(index);
    return {
      message,
      ack: () => settle(false),
      nack: () => settle(true),
      get isChannelOpen() {
        return parts.isChannelOpen;
      },
      get isSettled() {
        return settled;
      },
    };
  }

  private messageOf(index: number): ConsumeMessage {
    const { properties, fields } = this.delivery.message;
    const headers: Record<string, unknown> = { ...properties.headers };
    // The pack's signature covers the pack, not this job alone; its list of request ids becomes this job's one.
    delete headers[SIGNATURE_HEADER];
    delete headers[REQUEST_IDS_HEADER];
    const requestId = this.requestIds[index];
    if (requestId !== undefined) headers[REQUEST_ID_HEADER] = requestId;
    else delete headers[REQUEST_ID_HEADER];
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

  private finish(): void {
    const released = () => this.onReleased(this.entries.length);
    if (this.handedBack.length === 0) {
      this.delivery.ack();
      released();
      return;
    }
    if (this.handedBack.length === this.entries.length) {
      this.delivery.nack(true);
      released();
      return;
    }
    // Some jobs finished: requeueing the message would run them again, so the others go back on their own.
    this.putBack([...this.handedBack].sort((a, b) => a - b))
      .then(
        () => this.delivery.ack(),
        () => this.delivery.nack(true),
      )
      .finally(released);
  }
}
