import type { SseSink } from './sse-response';

/** A server-sent event stream: runs into a sink until it ends itself or is closed. */
export interface LiveStream {
  /** Starts writing; may end the sink when there is nothing more to send. */
  run(sink: SseSink): void;
  /** Stops for good and lets go of subscriptions and timers; idempotent. */
  close(): void;
}
