import { CaskError, JobStatus } from '@cask/contracts';
import { jobLog } from '@cask/logging';
import { Injectable, Logger } from '@nestjs/common';
import { JobEventBus } from '../events/job-event-bus';
import { OutboxRelay } from '../outbox/outbox-relay';
import type { JobRecord } from '../store/job-record';
import { JobStore } from '../store/job-store';
import { firstAttemptMessage } from './job-message';

/** A redrive of a job that is not failed or cancelled. */
export class NotRetryableStateError extends CaskError {
  constructor(readonly status: JobStatus) {
    super(`Job is ${status}; only failed or cancelled jobs can be retried`, { code: 'invalid_state', retryable: false });
  }
}

/**
 * Runs failed or cancelled jobs again as a new series of attempts under the same id. The old series'
 * late events are ignored by the store, so a redrive never mixes with what came before.
 */
@Injectable()
export class JobRedriver {
  private readonly logger = new Logger(JobRedriver.name);

  constructor(
    private readonly store: JobStore,
    private readonly relay: OutboxRelay,
    private readonly bus: JobEventBus,
  ) {}

  /**
   * Returns the job after the redrive, or undefined if it does not exist; throws if it cannot be redriven.
   *
   * @param requestId the request asking for the redrive: the new series' lines carry it
   */
  async retry(id: string, requestId?: string): Promise<JobRecord | undefined> {
    const messages: ReturnType<typeof firstAttemptMessage>[] = [];
    const job = await this.store.redrive(id, (record) => this.remember(messages, record, requestId));
    if (!job) {
      const current = await this.store.get(id);
      if (!current) return undefined;
      throw new NotRetryableStateError(current.status);
    }
    this.logger.log({ ...jobLog(job.id, job.type), msg: `Job ${job.type} ${job.id}: redriven as series ${job.series}` });
    this.bus.publish({ source: 'api', job_id: job.id, type: job.type, status: 'queued', series: job.series, at: job.updatedAt });
    for (const message of messages) this.relay.publishNow(message);
    return job;
  }

  /** Redrives every failed (or cancelled) job matching the filter; returns how many. */
  async retryMany(filter: { type?: string; status?: 'failed' | 'cancelled' }, requestId?: string): Promise<number> {
    const messages: ReturnType<typeof firstAttemptMessage>[] = [];
    const count = await this.store.redriveMany(filter, (record) => this.remember(messages, record, requestId));
    this.logger.log(`Redrove ${count} job(s) (type ${filter.type ?? 'any'}, status ${filter.status ?? 'failed or cancelled'})`);
    for (const message of messages) this.relay.publishNow(message);
    return count;
  }

  private remember(messages: ReturnType<typeof firstAttemptMessage>[], record: JobRecord, requestId: string | undefined) {
    const message = { ...firstAttemptMessage(record, Date.now(), requestId), availableAt: Date.now() + this.relay.inlineLeaseMs };
    messages.push(message);
    return message;
  }
}
