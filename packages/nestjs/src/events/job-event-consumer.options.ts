/** What the {@link JobEventConsumer} needs to know. */
export class JobEventConsumerOptions {
  /** Events applied in one transaction, at most; also the consumer's prefetch. */
  batchSize: number;
  /** How long shutdown waits for the group being written. */
  shutdownGraceMs: number;
}
