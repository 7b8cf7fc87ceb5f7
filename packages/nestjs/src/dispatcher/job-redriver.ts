import { activeTraceCarrier } from '@cask/core';
import { CaskError, JobOrigin, JobStatus } from '@cask/contracts';
import { jobLog } from '@cask/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { JobEventBus } from '../events/job-event-bus';
import { JobMetrics } from '../metrics/job-metrics';
import { FlowGate } from '../flows/flow-gate';
import { GroupGate } from '../groups/group-gate';
import { OutboxRelay } from '../outbox/outbox-relay';
import type { JobRecord, OutboxMessage } from '../store/job-record';
import { JobStore } from '../store/job-store';
import { firstAttemptMessage } from './job-message';

/** A redriven job's message, and whether it waits in a group. */
interface Redriven {
  message: OutboxMessage;
  queue: string;
  grouped: boolean;
}

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
    private readonly metrics: JobMetrics,
    private readonly groups: GroupGate,
    private readonly flows: FlowGate,
  ) {}

  /**
   * Returns the job after the redrive, or undefined if the tenant has no such job; throws if it cannot be
   * redriven.
   *
   * @param origin the request asking for the redrive: the new series' lines carry its id, and its messages continue
   *   its trace (the active span's, else `origin.trace`)
   */
  async retry(id: string, tenant: string, origin: JobOrigin = {}): Promise<JobRecord | undefined> {
    const owned = await this.store.get(id);
    if (owned?.tenant !== tenant) return undefined;
    const messages: Redriven[] = [];
    const job = await this.store.redrive(id, (record) => this.remember(messages, record, origin));
    if (!job) {
      const current = await this.store.get(id);
      if (!current) return undefined;
      throw new NotRetryableStateError(current.status);
    }
    this.logger.log({ ...jobLog(job.id, job.type), msg: `Job ${job.type} ${job.id}: redriven as series ${job.series}` });
    this.metrics.redriven(job.type);
    this.bus.publishApiChange(job, job.updatedAt);
    this.send(messages);
    // A flow job waits for its parents again: its flow's gate lets it go.
    if (job.status === 'waiting' && job.flowId !== null) this.flows.kick(job.flowId);
    return job;
  }

  /** Redrives every failed (or cancelled) job of the tenant matching the filter; returns how many. */
  async retryMany(filter: { tenant: string; type?: string; status?: 'failed' | 'cancelled' }, origin: JobOrigin = {}): Promise<number> {
    const messages: Redriven[] = [];
    const types = new Map<string, number>();
    const count = await this.store.redriveMany(filter, (record) => {
      types.set(record.type, (types.get(record.type) ?? 0) + 1);
      return this.remember(messages, record, origin);
    });
    this.logger.log(`Redrove ${count} job(s) (type ${filter.type ?? 'any'}, status ${filter.status ?? 'failed or cancelled'})`);
    // Counted once the store returns: it calls back before each redrive commits.
    for (const [type, redriven] of types) this.metrics.redriven(type, redriven);
    this.send(messages);
    return count;
  }

  private remember(messages: Redriven[], record: JobRecord, origin: JobOrigin): OutboxMessage {
    const message = {
      // A new series continues the trace of the request that asked for it, not its first dispatch's.
      ...firstAttemptMessage(record, Date.now(), { requestId: origin.requestId, trace: activeTraceCarrier() ?? origin.trace }),
      availableAt: Date.now() + this.relay.inlineLeaseMs,
    };
    messages.push({ message, queue: record.queue, grouped: record.group !== null });
    return message;
  }

  /** Publishes the redriven jobs' messages; a grouped job's went back to its group, whose gate lets it go. */
  private send(messages: readonly Redriven[]): void {
    for (const { message, queue, grouped } of messages) {
      if (grouped) this.groups.kick(queue);
      else this.relay.publishNow(message);
    }
  }
}
