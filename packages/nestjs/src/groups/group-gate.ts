import { JobCatalogue } from '@cask/contracts';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobEventBus, JobUpdate } from '../events/job-event-bus';
import { OutboxRelay } from '../outbox/outbox-relay';
import { GroupStore } from '../store/group-store';
import { GroupGateOptions } from './group-gate.options';

/** How long a group with nothing waiting or counting is kept after it was last used. */
const IDLE_GROUP_MS = 24 * 60 * 60 * 1000;
/** How often idle groups are forgotten. */
const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * Lets grouped jobs go to the workers. A grouped job's message waits in its group; a pass over its queue moves
 * what the groups allow to the outbox and publishes it. A pass runs after a grouped dispatch, after a worker's
 * event about a job of a queue whose groups have jobs waiting (a job started or finished: room in the buffer
 * or in a group), and every `passMs` for what no event announces (rate windows, delayed jobs, the dispatches
 * and events another api instance took). Passes of one queue never overlap, here or (on PostgreSQL) across
 * api instances.
 */
@Injectable()
export class GroupGate implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(GroupGate.name);
  /** Queues whose groups had jobs waiting at their last pass. */
  private readonly waiting = new Set<string>();
  /** Queues to pass over next. */
  private readonly due = new Set<string>();
  private running?: Promise<void>;
  /** Pending passes at delayed jobs' run times, by queue and 50 ms slot. */
  private readonly timers = new Set<string>();
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private lastPurge = 0;
  private stopped = false;

  constructor(
    private readonly store: GroupStore,
    private readonly relay: OutboxRelay,
    private readonly bus: JobEventBus,
    private readonly catalogue: JobCatalogue,
    private readonly options: GroupGateOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.bus.subscribe((update) => this.onUpdate(update));
    this.timer = setInterval(() => void this.tick(), this.options.passMs);
    this.timer.unref();
    void this.tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.running;
  }

  /**
   * A grouped job of `queue` was committed (or redriven): give its groups a pass now, or for a delayed job at
   * its run time `at`.
   */
  kick(queue: string, at?: number): void {
    if (this.stopped) return;
    if (at !== undefined && at > Date.now()) {
      this.waiting.add(queue);
      // Jobs due within the same 50 ms share one timer.
      const slot = `${queue}@${Math.ceil(at / 50)}`;
      if (this.timers.has(slot)) return;
      this.timers.add(slot);
      setTimeout(() => {
        this.timers.delete(slot);
        this.kick(queue);
      }, at - Date.now()).unref();
      return;
    }
    this.waiting.add(queue);
    this.due.add(queue);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private onUpdate(update: JobUpdate): void {
    if (this.waiting.size === 0) return;
    const type = update.source === 'worker' ? update.event.type : update.type;
    const queue = this.catalogue.get(type)?.queue;
    if (queue !== undefined && this.waiting.has(queue)) this.kick(queue);
  }

  private async drain(): Promise<void> {
    while (this.due.size > 0 && !this.stopped) {
      const queues = [...this.due];
      this.due.clear();
      for (const queue of queues) await this.pass(queue);
    }
  }

  private async pass(queue: string): Promise<void> {
    try {
      const { released, waiting } = await this.store.release(queue, Date.now(), {
        buffer: this.options.buffer,
        leaseMs: this.relay.inlineLeaseMs,
      });
      for (const message of released) this.relay.publishNow(message);
      if (!waiting) this.waiting.delete(queue);
    } catch (err) {
      // The next event or tick tries again; what waits in the groups stays there.
      this.logger.warn(`Groups of queue ${queue}: pass failed (${(err as Error).message}); trying again shortly`);
    }
  }

  private async tick(): Promise<void> {
    try {
      for (const queue of await this.store.queuesWaiting()) this.waiting.add(queue);
      for (const queue of this.waiting) this.kick(queue);
      if (Date.now() - this.lastPurge >= PURGE_EVERY_MS) {
        this.lastPurge = Date.now();
        const purged = await this.store.purgeIdle(Date.now() - IDLE_GROUP_MS);
        if (purged > 0) this.logger.log(`Forgot ${purged} idle group(s)`);
      }
    } catch (err) {
      this.logger.warn(`Groups: looking for waiting jobs failed (${(err as Error).message})`);
    }
  }
}
