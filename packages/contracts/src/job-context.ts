import type { BatchCounts, ParentOutcome } from './flow';
import type { JobProgress } from './job-events';

/** What a handler gets besides its payload. */
export interface JobContext {
  readonly jobId: string;
  readonly type: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Attempts the job has in all: `attempt === maxAttempts` is the last one. */
  readonly maxAttempts: number;
  /** Id of the HTTP request that dispatched the job (`X-Request-Id`), for the handler's own log lines. */
  readonly requestId?: string;
  /**
   * For a job of a flow: its finished parents, by their keys in the flow (results of those that succeeded;
   * a parent whose edge says `ignore` is left out unless it succeeded). `{}` for any other job.
   */
  readonly parents: Readonly<Record<string, ParentOutcome>>;
  /** For a batch's callback job: how the batch's jobs ended. */
  readonly batch?: BatchCounts;
  /** Fires when the attempt must stop (its timeout passed, or the worker shuts down); pass it on to fetch, timers and queries. */
  readonly signal: AbortSignal;
  /** Reports progress (a percentage or a small object); shows in `GET /jobs/:id`. Resolves when recorded by the broker. */
  progress(value: JobProgress): Promise<void>;
}

/** A function that runs one job type: what a handler method is, and what the in-memory dispatcher runs. */
export type JobHandlerFn<P, R> = (payload: P, context: JobContext) => Promise<R> | R;
