/** What the {@link OutboxRelay} (and the outbox readiness check) needs to know. */
export class OutboxRelayOptions {
  /** Messages the outbox may hold while the broker is away; past it dispatch refuses. */
  maxBacklog: number;
  /** How often the relay looks for messages to publish. */
  pollMs: number;
  /** How long a publish waits for its confirm; a fresh message is left to its inline publish this long and then some. */
  confirmTimeoutMs: number;
  /** Most jobs one message carries (1: every job alone). */
  packMaxJobs: number;
  /** How long shutdown waits for a relay round and the last deletes. */
  shutdownGraceMs: number;
}
