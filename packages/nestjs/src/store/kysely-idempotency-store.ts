import type { Kysely } from 'kysely';
import type { CaskDatabase } from './cask-database';
import { IdempotencyStore } from './idempotency-store';
import type { Database } from './schema';

/** Idempotency keys over Kysely. */
export class KyselyIdempotencyStore extends IdempotencyStore {
  constructor(private readonly database: CaskDatabase) {
    super();
  }

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  override async purgeExpiredKeys(now: number): Promise<number> {
    const result = await this.db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
