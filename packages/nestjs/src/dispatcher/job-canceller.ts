import { CaskError, CaskTopology, JobStatus, encodeControl } from '@cask/contracts';
import { jobLog } from '@cask/contracts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { JobEventBus } from '../events/job-event-bus';
import { JobMetrics } from '../metrics/job-metrics';
import { OutboxRelay } from '../outbox/outbox-relay';
import type { JobRecord, OutboxMessage } from '../store/job-record';
import { JobStore } from '../store/job-store';
import { CASK_TOPOLOGY } from '../tokens';

/** A cancel of a job that already finished. */
export class NotCancellableError extends CaskError {
  constructor(readonly status: JobStatus) {
    super(`Job is ${status}; only waiting, queued, scheduled, running or retrying jobs can be cancelled`, {
      code: 'invalid_state',
      retryable: false,
    });
  }
}

/**
 * Cancels jobs. The store marks the job `cancelled` at once (so it is terminal whatever a worker reports
 * later) and drops a message not yet published; for a message already in the broker, a cancel command
 * goes (through the outbox, so a broker outage cannot lose it) to the control stream every worker reads:
 * a worker skips the job when it dequeues it, or fires its AbortSignal if it is running.
 */
@Injectable()
export class JobCanceller {
  private readonly logger = new Logger(JobCanceller.name);

  constructor(
    private readonly store: JobStore,
    private readonly relay: OutboxRelay,
    private readonly bus: JobEventBus,
    @Inject(CASK_TOPOLOGY) private readonly topology: CaskTopology,
    private readonly metrics: JobMetrics,
  ) {}

  /** The job before cancelling, or undefined if the tenant has no such job; throws for a terminal job. */
  async cancel(id: string, tenant: string): Promise<JobRecord | undefined> {
    const owned = await this.store.get(id);
    if (owned?.tenant !== tenant) return undefined;
    const now = Date.now();
    let command: OutboxMessage | undefined;
    const outcome = await this.store.cancel(id, now, (job) => {
      command = {
        id: uuidv7(),
        jobId: job.id,
        routingKey: this.topology.controlStream,
        body: encodeControl({ kind: 'cancel', job_id: job.id, series: job.series, at: now }).toString(),
        priority: 0,
        createdAt: now,
        availableAt: now + this.relay.inlineLeaseMs,
        target: 'control',
      };
      return command;
    });
    if (!outcome) return undefined;
    if (!outcome.cancelled) throw new NotCancellableError(outcome.before.status);
    const { before } = outcome;
    this.logger.log({ ...jobLog(before.id, before.type), msg: `Job ${before.type} ${before.id}: cancelled (was ${before.status})` });
    this.metrics.cancelled(before.type);
    if (command) this.relay.publishNow(command);
    this.bus.publishApiChange(before, now, 'cancelled');
    return before;
  }
}
