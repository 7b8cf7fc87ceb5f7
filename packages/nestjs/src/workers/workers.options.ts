/** What the api's side of the worker pool needs to know. */
export class WorkersOptions {
  /** How long a worker may stay silent before it is no longer listed (and its row is deleted). */
  timeoutMs: number;
  /** Starts per second per job type overriding the definitions' `rateLimitPerSecond`. */
  rateLimits: ReadonlyMap<string, number>;
  /** How long shutdown waits for a sweep, a tick or the heartbeats being applied. */
  shutdownGraceMs: number;
}
