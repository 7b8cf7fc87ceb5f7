import type { JobEvent } from '@cask/contracts';
import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Metric, Registry } from 'prom-client';

/** Where a message with a missing or invalid signature came in. */
export type ForgedKind = 'event' | 'heartbeat';

/** Outcomes of one committed group, by job type. */
interface Tally {
  succeeded: number;
  failed: number;
  retried: number;
}

/**
 * The api's job counters. Each is counted where the api commits the transition, so a job counts once
 * however often a worker reports it: a duplicate or late event changes no row and counts nothing.
 * "Retried" counts both retrying transitions (an attempt failed, another is scheduled) and redrives.
 * Labels carry job types and queues, never job ids.
 */
@Injectable()
export class JobMetrics {
  private readonly dispatchedTotal: Counter<'type' | 'queue'>;
  private readonly deduplicatedTotal: Counter<'type' | 'outcome'>;
  private readonly succeededTotal: Counter<'type'>;
  private readonly failedTotal: Counter<'type'>;
  private readonly retriedTotal: Counter<'type'>;
  private readonly cancelledTotal: Counter<'type'>;
  private readonly forgedTotal: Counter<'kind'>;
  private readonly applyLag: Histogram;

  constructor() {
    // Counted from the start, shown once a registry takes them ({@link registerOn}, CaskMetricsModule).
    const registers: Registry[] = [];
    this.dispatchedTotal = new Counter({
      name: 'cask_jobs_dispatched_total',
      help: 'Jobs committed by dispatch, by type and job queue',
      labelNames: ['type', 'queue'],
      registers,
    });
    this.deduplicatedTotal = new Counter({
      name: 'cask_jobs_deduplicated_total',
      help: 'Dispatches that became the job holding their unique key, by type and outcome (existing, debounced)',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.succeededTotal = new Counter({
      name: 'cask_jobs_succeeded_total',
      help: 'Jobs the api recorded as succeeded, by type',
      labelNames: ['type'],
      registers,
    });
    this.failedTotal = new Counter({
      name: 'cask_jobs_failed_total',
      help: 'Jobs the api recorded as failed, by type',
      labelNames: ['type'],
      registers,
    });
    this.retriedTotal = new Counter({
      name: 'cask_jobs_retried_total',
      help: 'Retrying transitions and redrives the api recorded, by type',
      labelNames: ['type'],
      registers,
    });
    this.cancelledTotal = new Counter({
      name: 'cask_jobs_cancelled_total',
      help: 'Jobs cancelled through the api, by type',
      labelNames: ['type'],
      registers,
    });
    this.forgedTotal = new Counter({
      name: 'cask_forged_messages_total',
      help: 'Messages refused for a missing or invalid signature, by kind (event, heartbeat)',
      labelNames: ['kind'],
      registers,
    });
    this.applyLag = new Histogram({
      name: 'cask_event_apply_lag_seconds',
      help: 'Per committed group of worker events: from the worker emitting its oldest event to the api committing the group',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
  }

  /** Makes these metrics part of `registry`'s scrapes. */
  registerOn(registry: Registry): void {
    const metrics: Metric[] = [
      this.dispatchedTotal,
      this.deduplicatedTotal,
      this.succeededTotal,
      this.failedTotal,
      this.retriedTotal,
      this.cancelledTotal,
      this.forgedTotal,
      this.applyLag,
    ];
    for (const metric of metrics) registry.registerMetric(metric);
  }

  dispatched(type: string, queue: string): void {
    this.dispatchedTotal.inc({ type, queue });
  }

  /** A dispatch that became the job holding its unique key. */
  deduplicated(type: string, outcome: 'existing' | 'debounced'): void {
    this.deduplicatedTotal.inc({ type, outcome });
  }

  /**
   * A group of worker events the store committed at `committedAt`, of which `applied` changed a job.
   * Counted per group and type rather than per event: a group holds up to `EVENT_BATCH_SIZE` events, and
   * thousands of them go by each second.
   */
  committed(events: readonly JobEvent[], applied: readonly JobEvent[], committedAt: number): void {
    let oldest = Infinity;
    for (const event of events) if (event.at < oldest) oldest = event.at;
    // Clocks of different hosts may disagree by a little: a lag below zero is none.
    if (oldest !== Infinity) this.applyLag.observe(Math.max(0, committedAt - oldest) / 1000);
    const tallies = new Map<string, Tally>();
    for (const event of applied) {
      if (event.kind !== 'succeeded' && event.kind !== 'failed' && event.kind !== 'retrying') continue;
      let tally = tallies.get(event.type);
      if (!tally) tallies.set(event.type, (tally = { succeeded: 0, failed: 0, retried: 0 }));
      if (event.kind === 'succeeded') tally.succeeded += 1;
      else if (event.kind === 'failed') tally.failed += 1;
      else tally.retried += 1;
    }
    for (const [type, { succeeded, failed, retried }] of tallies) {
      if (succeeded > 0) this.succeededTotal.inc({ type }, succeeded);
      if (failed > 0) this.failedTotal.inc({ type }, failed);
      if (retried > 0) this.retriedTotal.inc({ type }, retried);
    }
  }

  /** A flow job failed without running: a parent it needed did not succeed. */
  failedUnrun(type: string): void {
    this.failedTotal.inc({ type });
  }

  cancelled(type: string): void {
    this.cancelledTotal.inc({ type });
  }

  /** Failed or cancelled jobs run again as a new series. */
  redriven(type: string, count = 1): void {
    this.retriedTotal.inc({ type }, count);
  }

  forged(kind: ForgedKind): void {
    this.forgedTotal.inc({ kind });
  }
}
