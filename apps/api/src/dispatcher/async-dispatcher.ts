import type { JobDefinition, JobView } from '@cask/contracts';

/** Per-dispatch settings that override the job definition's. */
export interface DispatchOptions {
  /**
   * 0 (lowest) to 9 (highest); with a backlog, higher runs first.
   * @defaultValue `0`
   */
  priority?: number;
}

/**
 * Dispatches jobs and looks them up: the seed design's `Dispatch(handler, payload) → job id` and
 * `GetResult(job id)`. Inject this abstract class; the module binds the AMQP implementation, and unit
 * tests can bind {@link InMemoryAsyncDispatcher}.
 */
export abstract class AsyncDispatcher {
  /**
   * Validates the payload, records the job and hands it to the broker. Resolves with the job id once the
   * job is durable; rejects with `InvalidPayloadError` (nothing stored) or `BrokerUnavailableError`
   * (nothing stored).
   */
  abstract dispatch<P extends object, R>(job: JobDefinition<P, R>, payload: P, options?: DispatchOptions): Promise<string>;

  /** The job's current state, or null for an id never dispatched. */
  abstract getResult<R = unknown>(jobId: string): Promise<JobView<R> | null>;
}
