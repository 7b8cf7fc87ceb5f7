import type { AmqpConnection } from '@cask/core';
import { registerBrokerMetrics } from '@cask/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * How an attempt ended in this worker: `timed_out` whether or not another attempt follows, `interrupted`
 * when shutdown stopped it and gave the job back to its queue.
 */
export type AttemptOutcome = 'succeeded' | 'failed' | 'retrying' | 'cancelled' | 'timed_out' | 'interrupted';

/** Seconds: from a millisecond email to an hour-long video job. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** The worker's metrics. Labels carry job types, queues, outcomes and reasons, never job ids. */
export class WorkerMetrics {
  private readonly duration: Histogram<'type' | 'outcome'>;
  private readonly queueWait: Histogram<'type'>;
  private readonly executions: Counter<'type' | 'outcome'>;
  private readonly deadLetters: Counter<'reason'>;

  /** @param registry where the metrics are shown; none: counted, shown nowhere */
  constructor(private readonly registry?: Registry) {
    const registers = registry ? [registry] : [];
    this.duration = new Histogram({
      name: 'cask_job_duration_seconds',
      help: 'Time an attempt ran, from the handler start to its outcome, by type and outcome',
      labelNames: ['type', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueWait = new Histogram({
      name: 'cask_job_queue_wait_seconds',
      help: 'Time from an attempt becoming runnable (created, due, or its backoff over) to its handler start, by type',
      labelNames: ['type'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.executions = new Counter({
      name: 'cask_job_executions_total',
      help: 'Attempts this worker ended, by type and outcome',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'cask_dead_lettered_total',
      help: 'Messages this worker copied to the dead-letter queue, by reason (malformed, unknown_type, unauthentic, exhausted, poison)',
      labelNames: ['reason'],
      registers,
    });
  }

  /** The broker connection, and the jobs running per job queue (read when scraped). */
  watch(connection: AmqpConnection, queues: readonly string[], running: () => ReadonlyMap<string, number>): void {
    if (!this.registry) return;
    registerBrokerMetrics(this.registry, connection);
    new Gauge({
      name: 'cask_jobs_in_flight',
      help: 'Jobs whose handler is running in this worker, by job queue',
      labelNames: ['queue'],
      registers: [this.registry],
      collect() {
        const counts = running();
        for (const queue of queues) this.set({ queue }, counts.get(queue) ?? 0);
      },
    });
  }

  /** A handler starts on an attempt that was runnable from `readyAt`. */
  started(type: string, readyAt: number, startedAt: number): void {
    this.queueWait.observe({ type }, Math.max(0, startedAt - readyAt) / 1000);
  }

  /** An attempt ended; `durationMs` is absent when its handler never ran (an invalid payload). */
  ended(type: string, outcome: AttemptOutcome, durationMs?: number): void {
    this.executions.inc({ type, outcome });
    if (durationMs !== undefined) this.duration.observe({ type, outcome }, durationMs / 1000);
  }

  /** A message was copied to the dead-letter queue (once confirmed). */
  deadLettered(reason: string): void {
    this.deadLetters.inc({ reason });
  }
}
