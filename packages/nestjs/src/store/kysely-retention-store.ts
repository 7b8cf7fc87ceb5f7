import type { Kysely, Transaction } from 'kysely';
import type { CaskDatabase } from './cask-database';
import { RetentionStore } from './retention-store';
import type { Database } from './schema';

/** Forgets purged jobs' places in their flows, and flows left with no job. */
async function purgeFlowJobs(trx: Transaction<Database>, ids: string[]): Promise<void> {
  const flows = await trx.selectFrom('flow_nodes').select('flow_id').distinct().where('job_id', 'in', ids).execute();
  if (flows.length === 0) return;
  await trx.deleteFrom('flow_edges').where('child_id', 'in', ids).execute();
  await trx.deleteFrom('flow_nodes').where('job_id', 'in', ids).execute();
  await trx
    .deleteFrom('flows')
    .where(
      'id',
      'in',
      flows.map((row) => row.flow_id),
    )
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('flow_nodes').select('job_id').whereRef('flow_nodes.flow_id', '=', 'flows.id'))),
    )
    .execute();
}

/** Retention and tombstones over Kysely. */
export class KyselyRetentionStore extends RetentionStore {
  constructor(private readonly database: CaskDatabase) {
    super();
  }

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  override purgeFinished(type: string, finishedBefore: number, limit: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const purged = await trx
        .selectFrom('jobs')
        .select(['id', 'tenant'])
        .where('type', '=', type)
        .where('status', 'in', ['succeeded', 'failed', 'cancelled'])
        .where('finished_at', '<', finishedBefore)
        .limit(limit)
        .execute();
      if (purged.length === 0) return 0;
      const ids = purged.map((row) => row.id);
      const now = Date.now();
      // The tombstone keeps the tenant: another tenant asking for the id hears 404, not 410.
      await trx
        .insertInto('job_tombstones')
        .values(purged.map(({ id, tenant }) => ({ id, tenant, purged_at: now })))
        .execute();
      await trx.deleteFrom('job_transitions').where('job_id', 'in', ids).execute();
      await trx.deleteFrom('jobs').where('id', 'in', ids).execute();
      await purgeFlowJobs(trx, ids);
      return ids.length;
    });
  }

  override async isPurged(id: string, tenant: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('job_tombstones')
      .select('id')
      .where('id', '=', id)
      .where('tenant', '=', tenant)
      .executeTakeFirst();
    return row !== undefined;
  }

  override async purgeTombstones(before: number): Promise<number> {
    const result = await this.db.deleteFrom('job_tombstones').where('purged_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
