import type { JobEvent, JobStatus } from '@cask/contracts';
import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** A change to a job as live streams see it: a worker event the store applied, or a change the api made. */
export type JobUpdate =
  | { source: 'worker'; event: JobEvent }
  | { source: 'api'; job_id: string; type: string; status: JobStatus; series: number; at: number; tenant: string };

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

  subscribe(listener: (update: JobUpdate) => void): () => void {
    this.emitter.on('update', listener);
    return () => this.emitter.off('update', listener);
  }
}
