import type { JobEvent, JobStatus } from '@cask/contracts';
import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** A change to a job as live streams see it: a worker event the store applied, or a change the api made. */
export type JobUpdate =
  | { source: 'worker'; event: JobEvent }
  | { source: 'api'; job_id: string; type: string; status: JobStatus; series: number; at: number; tenant: string };

/** What {@link JobEventBus.publishApiChange} reads of a job (a `JobRecord` has it all). */
export interface JobIdentity {
  id: string;
  type: string;
  status: JobStatus;
  series: number;
  tenant: string;
}

/**
 * In-process fan-out of job changes, after they are committed, to live streams (server-sent events).
 * Listeners must not throw.
 */
@Injectable()
export class JobEventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every open stream is a listener; many clients is normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  publish(update: JobUpdate): void {
    this.emitter.emit('update', update);
  }

  /** Publishes a change the api made to a job (redrive, cancel, release, ...): its status now, or `status`. */
  publishApiChange(job: JobIdentity, at: number, status: JobStatus = job.status): void {
    this.publish({ source: 'api', job_id: job.id, type: job.type, status, series: job.series, at, tenant: job.tenant });
  }

  subscribe(listener: (update: JobUpdate) => void): () => void {
    this.emitter.on('update', listener);
    return () => this.emitter.off('update', listener);
  }
}
