import type { OutboxMessage } from './job-record';

/** A job queue's state as the api last set it. */
export interface QueueState {
  queue: string;
  paused: boolean;
  /** When it was last paused or resumed (epoch ms). */
  changedAt: number;
}

/** Jobs of one queue, counted and timed for `GET /queues` (every tenant's). */
export interface QueueActivity {
  queue: string;
  counts: Partial<Record<'queued' | 'scheduled' | 'running' | 'retrying', number>>;
  /** Jobs that finished (succeeded or failed) since the time asked about. */
  finished: number;
  /** Waits from due (dispatch, or run time) to start of the jobs started since then, at most the latest 1,000. */
  waitsMs: number[];
}

/** Paused and resumed queues, and what `GET /queues` counts. */
export abstract class QueueStateStore {
  /** Records a queue paused or resumed and commits the control command that tells the workers, in one transaction. */
  abstract setQueueState(state: QueueState, command: OutboxMessage): Promise<void>;

  /** Every queue the api paused or resumed at some time. */
  abstract queueStates(): Promise<QueueState[]>;

  /** Per queue with jobs, waiting and running counts and what finished or started since `since`. */
  abstract queueActivity(since: number): Promise<QueueActivity[]>;
}
