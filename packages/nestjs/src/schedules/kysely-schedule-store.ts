import type { Kysely, Selectable } from 'kysely';
import type { Database, SchedulesTable } from '../store/schema';
import { DEFAULT_TENANT } from '@cask/contracts';
import { ScheduleInput, ScheduleNameTakenError, ScheduleRecord, ScheduleSource } from './schedule-record';
import { ScheduleStore } from './schedule-store';

function toRecord(row: Selectable<SchedulesTable>): ScheduleRecord {
  return {
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    type: row.type,
    payload: JSON.parse(row.payload) as object,
    options: JSON.parse(row.options) as ScheduleRecord['options'],
    source: row.source as ScheduleSource,
    paused: Number(row.paused) === 1,
    nextRunAt: row.next_run_at === null ? null : Number(row.next_run_at),
    lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    tenant: row.tenant,
  };
}

/** The schedule store over the job store's Kysely, for SQLite and PostgreSQL alike. */
export class KyselyScheduleStore extends ScheduleStore {
  constructor(private readonly db: Kysely<Database>) {
    super();
  }

  override async upsert(
    input: ScheduleInput,
    nextRunAt: number | null,
    now: number,
  ): Promise<{ created: boolean; schedule: ScheduleRecord }> {
    const definition = {
      cron: input.cron,
      timezone: input.timezone,
      type: input.type,
      payload: JSON.stringify(input.payload),
      options: JSON.stringify(input.options),
      source: input.source,
    };
    const tenant = input.tenant ?? DEFAULT_TENANT;
    return this.db.transaction().execute(async (trx) => {
      // Insert-or-nothing is atomic on both databases, so two instances declaring one schedule at the same
      // start cannot both create it.
      const inserted = await trx
        .insertInto('schedules')
        .values({
          name: input.name,
          tenant,
          ...definition,
          paused: 0,
          next_run_at: nextRunAt,
          last_run_at: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { created: true, schedule: toRecord(inserted) };
      const owner = await trx.selectFrom('schedules').select('tenant').where('name', '=', input.name).executeTakeFirstOrThrow();
      if (owner.tenant !== tenant) throw new ScheduleNameTakenError(input.name);

      // Only a new cron or time zone moves the pending tick (compared before the definition is replaced):
      // an unchanged one keeps the tick another instance may be claiming right now, and a paused schedule
      // stays without one.
      await trx
        .updateTable('schedules')
        .set({ next_run_at: nextRunAt })
        .where('name', '=', input.name)
        .where('paused', '=', 0)
        .where((eb) => eb.or([eb('cron', '!=', input.cron), eb('timezone', '!=', input.timezone), eb('next_run_at', 'is', null)]))
        .execute();
      await trx
        .updateTable('schedules')
        .set({ ...definition, updated_at: now })
        .where('name', '=', input.name)
        .execute();
      const row = await trx.selectFrom('schedules').selectAll().where('name', '=', input.name).executeTakeFirstOrThrow();
      return { created: false, schedule: toRecord(row) };
    });
  }

  override async get(name: string): Promise<ScheduleRecord | undefined> {
    const row = await this.db.selectFrom('schedules').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRecord(row);
  }

  override async list(tenant: string): Promise<ScheduleRecord[]> {
    const rows = await this.db.selectFrom('schedules').selectAll().where('tenant', '=', tenant).orderBy('name').execute();
    return rows.map(toRecord);
  }

  override async delete(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('schedules').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  override async pause(name: string, now: number): Promise<ScheduleRecord | undefined> {
    const row = await this.db
      .updateTable('schedules')
      .set({ paused: 1, next_run_at: null, updated_at: now })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  override async resume(name: string, nextRunAt: number | null, now: number): Promise<ScheduleRecord | undefined> {
    await this.db
      .updateTable('schedules')
      .set({ paused: 0, next_run_at: nextRunAt, updated_at: now })
      .where('name', '=', name)
      .where('paused', '=', 1)
      .execute();
    return this.get(name);
  }

  override async due(now: number, limit: number): Promise<ScheduleRecord[]> {
    const rows = await this.db
      .selectFrom('schedules')
      .selectAll()
      .where('paused', '=', 0)
      .where('next_run_at', '<=', now)
      .orderBy('next_run_at')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  override async claim(name: string, due: number, next: number | null): Promise<boolean> {
    // The compare-and-set that makes a tick fire once across instances: of all the updates naming this
    // tick, the database applies exactly one; the others find next_run_at already moved.
    const result = await this.db
      .updateTable('schedules')
      .set({ next_run_at: next, last_run_at: due })
      .where('name', '=', name)
      .where('next_run_at', '=', due)
      .where('paused', '=', 0)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  override async nextDue(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('schedules')
      .select((eb) => eb.fn.min('next_run_at').as('next'))
      .where('paused', '=', 0)
      .executeTakeFirst();
    return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
  }

  override async deleteCodeSchedulesExcept(keep: readonly string[]): Promise<string[]> {
    let query = this.db.deleteFrom('schedules').where('source', '=', 'code');
    if (keep.length > 0) query = query.where('name', 'not in', keep);
    const rows = await query.returning('name').execute();
    return rows.map((row) => row.name).sort();
  }
}
