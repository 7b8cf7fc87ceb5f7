/** Idempotency keys; a key is claimed inside the transaction that creates its job (`JobStore.createJob`). */
export abstract class IdempotencyStore {
  /** Removes idempotency keys past their expiry, and unique keys that no longer hold; returns how many. */
  abstract purgeExpiredKeys(now: number): Promise<number>;
}
