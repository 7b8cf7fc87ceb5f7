import { TERMINAL_STATUSES } from '@cask/contracts';
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
    // Unique keys past their window, and those held without one by a job that no longer waits or runs.
    const unique = await this.db
      .deleteFrom('unique_keys')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<=', now),
          eb.and([
            eb('expires_at', 'is', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('jobs')
                  .select('jobs.id')
                  .whereRef('jobs.id', '=', 'unique_keys.job_id')
                  .where('jobs.status', 'not in', [...TERMINAL_STATUSES]),
              ),
            ),
          ]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows) + Number(unique.numDeletedRows);
  }
}
