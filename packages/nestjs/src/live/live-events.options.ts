/** Timings and limits of the live event streams. */
export class LiveEventsOptions {
  /**
   * How often an idle stream sends a comment, so proxies and load balancers keep it open.
   * @defaultValue 15 000 ms
   */
  heartbeatMs = 15_000;

  /**
   * How often a job's stream re-reads the job from the store, to pick up changes applied by another api
   * instance (the bus only carries this instance's changes).
   * @defaultValue 1 000 ms
   */
  pollMs = 1_000;

  /**
   * Unsent bytes a client may fall behind by before its stream is closed; a job stream's client then
   * resumes from the store with `Last-Event-ID`.
   * @defaultValue 1 MiB
   */
  maxBufferedBytes = 1024 * 1024;

  constructor(overrides: Partial<LiveEventsOptions> = {}) {
    Object.assign(this, overrides);
  }
}
