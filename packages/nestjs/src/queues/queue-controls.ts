import { CaskTopology, JobCatalogue, encodeControl } from '@cask/contracts';
import { QueueInspector } from '@cask/core';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { OutboxRelay } from '../outbox/outbox-relay';
import type { OutboxMessage } from '../store/job-record';
import { QueueState, QueueStateStore } from '../store/queue-state-store';
import { CASK_TOPOLOGY } from '../tokens';

/**
 * How often the api writes the pause of every paused queue to the control stream again: the stream keeps
 * commands 7 days, and a worker starting later must still read that its queue is paused.
 */
const REPUBLISH_MS = 24 * 60 * 60 * 1000;
/** The window `GET /queues` counts finished jobs and times waits over. */
export const ACTIVITY_WINDOW_MS = 60_000;

/** One queue as `GET /queues` shows it. */
export interface QueueView {
  queue: string;
  paused: boolean;
  /** When it was last paused or resumed, if ever. */
  changedAt: number | null;
  /** Messages ready in its broker queue (a pack of jobs counts once); null when the broker did not answer. */
  brokerMessages: number | null;
  queued: number;
  scheduled: number;
  running: number;
  retrying: number;
  /** Jobs finished (succeeded or failed) per minute, over the last minute. */
  finishedPerMinute: number;
  /** Median and 95th percentile of the wait from due to start, of jobs started in the last minute; null without any. */
  waitP50Ms: number | null;
  waitP95Ms: number | null;
}

/** A queue that no job type of this app uses. */
export class UnknownQueueError extends Error {
  constructor(
    readonly queue: string,
    readonly known: readonly string[],
  ) {
    super(`Unknown queue "${queue}"`);
  }
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Pauses and resumes job queues across every worker, and says how each queue is doing. A pause is stored
 * and its command committed with it (through the outbox, so a broker outage cannot lose it) for the control
 * stream every worker reads: workers start none of the queue's jobs, which wait in the broker (or, taken
 * already, unacked in the worker) until the resume. Running jobs run on.
 */
@Injectable()
export class QueueControls implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueControls.name);
  private republishTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: QueueStateStore,
    private readonly relay: OutboxRelay,
    private readonly catalogue: JobCatalogue,
    private readonly inspector: QueueInspector,
    @Inject(CASK_TOPOLOGY) private readonly topology: CaskTopology,
  ) {}

  onApplicationBootstrap(): void {
    // At start too: an api restarted more often than the interval would otherwise never write them again.
    void this.republishPauses();
    this.republishTimer = setInterval(() => void this.republishPauses(), REPUBLISH_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.republishTimer);
  }

  /** The app's job queues. */
  queues(): string[] {
    return this.catalogue.queues();
  }

  async pause(queue: string): Promise<QueueState> {
    return this.set(queue, true);
  }

  async resume(queue: string): Promise<QueueState> {
    return this.set(queue, false);
  }

  /** Every queue of the app's job types, with its state and activity. */
  async list(now = Date.now()): Promise<QueueView[]> {
    const [states, activity, broker] = await Promise.all([
      this.store.queueStates(),
      this.store.queueActivity(now - ACTIVITY_WINDOW_MS),
      this.inspector.inspect(),
    ]);
    return this.queues().map((queue) => {
      const state = states.find((one) => one.queue === queue);
      const seen = activity.find((one) => one.queue === queue);
      const ready = broker.get(this.topology.jobQueue(queue))?.messages;
      const waits = [...(seen?.waitsMs ?? [])].sort((a, b) => a - b);
      return {
        queue,
        paused: state?.paused ?? false,
        changedAt: state?.changedAt ?? null,
        brokerMessages: ready ?? null,
        queued: seen?.counts.queued ?? 0,
        scheduled: seen?.counts.scheduled ?? 0,
        running: seen?.counts.running ?? 0,
        retrying: seen?.counts.retrying ?? 0,
        finishedPerMinute: seen?.finished ?? 0,
        waitP50Ms: percentile(waits, 50),
        waitP95Ms: percentile(waits, 95),
      };
    });
  }

  private async set(queue: string, paused: boolean): Promise<QueueState> {
    if (!this.queues().includes(queue)) throw new UnknownQueueError(queue, this.queues());
    const state: QueueState = { queue, paused, changedAt: Date.now() };
    const command = this.command(state);
    await this.store.setQueueState(state, command);
    this.relay.publishNow(command);
    this.logger.log(`Queue ${queue} ${paused ? 'paused: workers start none of its jobs until it is resumed' : 'resumed'}`);
    return state;
  }

  /** The pause of every paused queue again, with its first time, so the control stream never forgets it. */
  private async republishPauses(): Promise<void> {
    try {
      for (const state of await this.store.queueStates()) {
        if (!state.paused) continue;
        const command = this.command(state);
        await this.store.setQueueState(state, command);
        this.relay.publishNow(command);
      }
    } catch (err) {
      this.logger.warn(`Could not write the queue pauses to the control stream again: ${(err as Error).message}`);
    }
  }

  private command(state: QueueState): OutboxMessage {
    const id = uuidv7();
    const now = Date.now();
    return {
      id,
      // Not a job's: the outbox keys every message by one, and a queue command names none.
      jobId: id,
      routingKey: this.topology.controlStream,
      body: encodeControl({ kind: state.paused ? 'pause' : 'resume', queue: state.queue, at: state.changedAt }).toString(),
      priority: 0,
      createdAt: now,
      availableAt: now + this.relay.inlineLeaseMs,
      target: 'control',
    };
  }
}
