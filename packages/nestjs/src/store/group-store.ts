import type { OutboxMessage } from './job-record';

/** What one pass of a queue's groups let go. */
export interface ReleasePass {
  /** Messages now in the outbox, to publish. */
  released: OutboxMessage[];
  /** Whether jobs of the queue still wait in their groups. */
  waiting: boolean;
}

/** How much a pass may let go. */
export interface ReleaseLimits {
  /**
   * At most this many of the queue's grouped jobs let go and not started: the workers take them in the order
   * they went, so the fewer wait in the broker, the sooner the groups' turns show.
   */
  buffer: number;
  /** How long the relay leaves a released message to the publish the gate starts at once. */
  leaseMs: number;
}

/** A group as `GET /groups` shows it. */
export interface GroupInfo {
  key: string;
  queue: string;
  tenant: string;
  /** Jobs waiting for the group to let them go. */
  waiting: number;
  /** Jobs let go and not finished (waiting in the broker, running, or waiting for a retry). */
  active: number;
  /** Let go within the rate window, if the group has one. */
  recent: number;
  concurrency: number | null;
  rate: { limit: number; perMs: number } | null;
  fifo: boolean;
  lastReleasedAt: number | null;
}

/** Which groups to list. */
export interface GroupQuery {
  tenant: string;
  queue?: string;
  /** Only groups after this one, by queue and key (the page cursor). */
  after?: { queue: string; key: string };
  limit: number;
}

/**
 * Groups of jobs sharing a queue (see `GroupPolicy`): a grouped job's message waits in its group until a pass
 * lets it go to the outbox, within the group's concurrency, rate and order, taking the queue's groups in turn.
 */
export abstract class GroupStore {
  /**
   * Lets go what the queue's groups allow now, in one transaction (one pass per queue at a time, across api
   * instances), taking the groups whose turn is oldest first.
   */
  abstract release(queue: string, now: number, limits: ReleaseLimits): Promise<ReleasePass>;

  /** Queues with jobs waiting in their groups. */
  abstract queuesWaiting(): Promise<string[]>;

  /** A tenant's groups, by queue and key. */
  abstract groups(query: GroupQuery): Promise<GroupInfo[]>;

  /** Forgets groups with no job waiting or counting against them, untouched since `before`; returns how many. */
  abstract purgeIdle(before: number): Promise<number>;
}
