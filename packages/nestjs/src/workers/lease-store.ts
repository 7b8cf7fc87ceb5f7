import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';

/**
 * Leases in the `leases` table: which api instance does a singleton's work (e.g. issuing rate-limit
 * tokens), until when. Each take or renewal is one conditional statement, so two instances sharing a
 * database never both hold a lease. Expiry is judged by the caller's clock: api instances' clocks must
 * agree to well within a lease's duration.
 */
export class LeaseStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Takes the lease `name` for `holder` until `now + ttlMs`, or renews it, when it is free, expired or
   * already `holder`'s. Resolves whether `holder` holds it now.
   */
  async acquire(name: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    const expiresAt = now + ttlMs;
    const renewed = await this.db
      .updateTable('leases')
      .set({ holder, expires_at: expiresAt })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<=', now)]))
      .executeTakeFirst();
    if (Number(renewed.numUpdatedRows) > 0) return true;
    // No row yet, or another holder's live lease: of several instances inserting at once, one wins.
    const taken = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: expiresAt })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .executeTakeFirst();
    return Number(taken.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Gives the lease up at once (shutdown), if `holder` still holds it, so another instance takes over. */
  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }
}
