/** What {@link HeldJobs} steers: a consumer it can pause and resume with a new prefetch. */
export interface Steerable {
  pause(): Promise<void>;
  resume(prefetch: number): Promise<void>;
  readonly currentPrefetch: number;
}

/**
 * Bounds the jobs a worker holds from one queue, when messages carry several jobs each. RabbitMQ's prefetch
 * counts messages, so a prefetch of 16 messages could hold 16 packs of 20. This keeps at most twice `slots`
 * jobs held (running, or waiting for a slot): it asks for as many messages as the room left divided by the
 * jobs a message has been carrying, pauses the consumer once the bound is reached, and resumes it (with a
 * prefetch sized to the room then) when no more than `slots` remain. A queue of lone jobs is consumed with
 * a prefetch of `slots` messages, as before. A job counts as held until its message is acked (a finished job
 * of a pack with a slower sibling too, until the pack is split: a crash would run it again). Messages that were already on their way
 * when it paused, or that would take it past the bound, are sent back to the queue ({@link admits}).
 */
export class HeldJobs {
  private held = 0;
  /** Starts at one, so a worker consumes lone jobs as it always did; the first packs bring it down. */
  private jobsPerMessage = 1;
  private paused = false;
  private consumer?: Steerable;

  /** @param slots the jobs this worker may run from the queue at once (its planned prefetch) */
  constructor(private readonly slots: number) {}

  get bound(): number {
    return 2 * this.slots;
  }

  get count(): number {
    return this.held;
  }

  /** The prefetch, in messages, for the room left. */
  prefetchFor(held = this.held): number {
    const room = Math.max(0, this.bound - held);
    return Math.max(1, Math.min(this.slots, Math.floor(room / Math.max(1, this.jobsPerMessage))));
  }

  steer(consumer: Steerable): void {
    this.consumer = consumer;
  }

  /** A message of `jobs` jobs arrived. */
  received(jobs: number): void {
    this.held += jobs;
    // A moving estimate: a run of lone jobs brings the prefetch back up, a pack brings it down at once.
    this.jobsPerMessage = jobs >= this.jobsPerMessage ? jobs : 0.8 * this.jobsPerMessage + 0.2 * jobs;
    if (this.held >= this.bound) this.pause();
  }

  /**
   * Whether a message of `jobs` jobs arriving now fits within the bound (one always does when nothing is held).
   * When it does not, the consumer pauses: the message was sent before it could, and goes back to the queue.
   */
  admits(jobs: number): boolean {
    if (this.held === 0 || this.held + jobs <= this.bound) return true;
    this.pause();
    return false;
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    void this.consumer?.pause();
  }

  /**
   * Held jobs were let go: their message was acked or requeued, or the pack they finished in was split. A finished
   * job of a pack still counts until then, since a crash before that would run it again.
   */
  released(jobs = 1): void {
    this.held = Math.max(0, this.held - jobs);
    if (!this.consumer) return;
    const prefetch = this.prefetchFor();
    if (this.paused) {
      if (this.held > this.slots) return;
      this.paused = false;
      void this.consumer.resume(prefetch);
      return;
    }
    // Messages got smaller (lone jobs after a burst of packs): ask for more of them.
    const current = this.consumer.currentPrefetch;
    if (prefetch > current && (prefetch >= 2 * current || prefetch === this.slots)) void this.consumer.resume(prefetch);
  }
}
