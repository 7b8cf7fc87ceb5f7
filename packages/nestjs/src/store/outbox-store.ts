import type { OutboxMessage } from './job-record';

/**
 * Job messages committed with their jobs and not yet confirmed by the broker (and cancel commands): what the
 * outbox relay publishes.
 */
export abstract class OutboxStore {
  /**
   * Messages waiting in the outbox; with `dueBy`, only those due by then (a delayed job waiting for its
   * time is not a backlog).
   */
  abstract outboxBacklog(dueBy?: number): Promise<number>;

  /**
   * Claims up to `limit` outbox messages that are due, hiding each from other claimers for `leaseMs`.
   * A message whose publish is not confirmed comes back when its lease ends.
   */
  abstract claimOutbox(limit: number, leaseMs: number): Promise<OutboxMessage[]>;

  /** Makes a message due now (its inline publish failed, so the relay should not wait for the lease). */
  abstract releaseOutbox(id: string): Promise<void>;

  /** Removes messages the broker confirmed; their jobs that were `scheduled` become `queued`. */
  abstract deleteOutbox(ids: readonly string[]): Promise<void>;

  /** When the next outbox message becomes due, or undefined if there is none. */
  abstract nextOutboxDue(): Promise<number | undefined>;
}
