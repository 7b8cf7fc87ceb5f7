import type { OutboxMessage } from './job-record';
import { toOutboxMessage } from './job-rows';
import type { Kysely } from 'kysely';
import type { CaskDatabase } from './cask-database';
import { OutboxStore } from './outbox-store';
import type { Database } from './schema';

/** The outbox over Kysely. */
export class KyselyOutboxStore extends OutboxStore {
  constructor(private readonly database: CaskDatabase) {
    super();
  }

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  override async outboxBacklog(dueBy?: number): Promise<number> {
    let query = this.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('count'));
    if (dueBy !== undefined) query = query.where('available_at', '<=', dueBy);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.count);
  }

  override async claimOutbox(limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const now = Date.now();
    const due = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('available_at', '<=', now)
      .orderBy('available_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    const claimed: OutboxMessage[] = [];
    for (const row of due) {
      // A claim only wins if nobody moved the row since we read it: safe across api instances.
      const result = await this.db
        .updateTable('outbox')
        .set({ available_at: now + leaseMs })
        .where('id', '=', row.id)
        .where('available_at', '=', row.available_at)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) claimed.push(toOutboxMessage(row));
    }
    return claimed;
  }

  override async releaseOutbox(id: string): Promise<void> {
    await this.db.updateTable('outbox').set({ available_at: Date.now() }).where('id', '=', id).execute();
  }

  override async deleteOutbox(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      // Job messages only: a cancel command on the control stream names its job too, but publishing it queues nothing.
      const jobIds = (await trx.selectFrom('outbox').select('job_id').where('id', 'in', ids).where('target', 'is', null).execute()).map(
        (row) => row.job_id,
      );
      await trx.deleteFrom('outbox').where('id', 'in', ids).execute();
      if (jobIds.length === 0) return;
      const now = Date.now();
      // Delayed jobs whose message went out: they become `queued`, and their history says so at
      // attempt 0, even when the worker's `started` was recorded first (a fast worker moves the job on
      // before the relay's confirm comes back here).
      const moved = await trx
        .selectFrom('jobs')
        .select(['id', 'series', 'status'])
        .where('id', 'in', jobIds)
        .where('run_at', 'is not', null)
        .where('status', 'not in', ['queued', 'cancelled'])
        .execute();
      if (moved.length === 0) return;
      const scheduled = moved.filter((job) => job.status === 'scheduled').map((job) => job.id);
      if (scheduled.length > 0) {
        await trx
          .updateTable('jobs')
          .set({ status: 'queued', updated_at: now })
          .where('id', 'in', scheduled)
          .where('status', '=', 'scheduled')
          .execute();
      }
      const alreadyQueued = new Set(
        (
          await trx
            .selectFrom('job_transitions')
            .select(['job_id', 'series'])
            .where(
              'job_id',
              'in',
              moved.map((job) => job.id),
            )
            .where('status', '=', 'queued')
            .execute()
        ).map((row) => `${row.job_id}/${Number(row.series)}`),
      );
      const missing = moved.filter((job) => !alreadyQueued.has(`${job.id}/${Number(job.series)}`));
      if (missing.length === 0) return;
      await trx
        .insertInto('job_transitions')
        .values(
          missing.map((job) => ({
            job_id: job.id,
            series: Number(job.series),
            attempt: 0,
            status: 'queued',
            at: now,
            worker: null,
            error: null,
          })),
        )
        .execute();
    });
  }

  override async nextOutboxDue(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.min('available_at').as('next'))
      .executeTakeFirst();
    return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
  }
}
