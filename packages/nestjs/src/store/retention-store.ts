/** Finished jobs past their retention, and the tombstones that make their ids answer 410 for a while. */
export abstract class RetentionStore {
  /**
   * Deletes up to `limit` finished jobs of a type that finished before `finishedBefore`, with their
   * history, leaving a tombstone so their ids answer 410. Returns how many.
   */
  abstract purgeFinished(type: string, finishedBefore: number, limit: number): Promise<number>;

  /** True for the id of a purged job of this tenant (whose tombstone is still kept). */
  abstract isPurged(id: string, tenant: string): Promise<boolean>;

  /** Forgets tombstones older than `before`; those ids then answer 404. */
  abstract purgeTombstones(before: number): Promise<number>;
}
