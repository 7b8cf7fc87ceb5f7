/** What the {@link RetentionSweeper} needs to know. */
export class RetentionOptions {
  /** When set, how long finished jobs of every type are kept, overriding their definitions. */
  jobRetentionMs?: number;
  /** How often the sweeper runs. */
  sweepMs: number;
  /** How long a purged job's id answers 410 before it answers 404. */
  tombstoneTtlMs: number;
  /** How long dead letters are kept. */
  deadLetterRetentionMs: number;
  /** How long shutdown waits for a sweep under way. */
  shutdownGraceMs: number;
}
