import { JOB_STATUSES, JobEvent, JobStatus, STARTABLE_STATUSES, TERMINAL_STATUSES } from '@cask/contracts';
import { Kysely, Selectable, Transaction, sql } from 'kysely';
import { ApplyResult, JobQuery, JobRecord, NewJob } from './job-record';
import { JobStore } from './job-store';
import { migrateToLatest } from './migrations';
import type { Database, JobsTable } from './schema';

/** The store over Kysely; the SQLite and PostgreSQL stores differ only in how they connect. */
export abstract class KyselyJobStore extends JobStore {
  protected constructor(protected readonly db: Kysely<Database>) {
    super();
  }

  override migrate(): Promise<void> {
    return migrateToLatest(this.db);
  }

  override async insert(job: NewJob): Promise<void> {
    await this.db
      .insertInto('jobs')
      .values({
        id: job.id,
        type: job.type,
        queue: job.queue,
        status: job.status,
        payload: JSON.stringify(job.payload),
        max_attempts: job.maxAttempts,
        priority: job.priority,
        created_at: job.createdAt,
        updated_at: job.createdAt,
      })
      .execute();
  }

  override async remove(id: string): Promise<void> {
    await this.db.deleteFrom('jobs').where('id', '=', id).execute();
  }

  override async get(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  override async list(query: JobQuery): Promise<JobRecord[]> {
    let select = this.db.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(query.limit);
    if (query.status) select = select.where('status', '=', query.status);
    if (query.type) select = select.where('type', '=', query.type);
    if (query.beforeId) select = select.where('id', '<', query.beforeId);
    const rows = await select.execute();
    return rows.map(toRecord);
  }

  override async applyEvents(events: readonly JobEvent[]): Promise<ApplyResult> {
    if (events.length === 0) return { applied: 0, ignored: 0 };
    return this.db.transaction().execute(async (trx) => {
      let applied = 0;
      for (const event of events) {
        if (await applyEvent(trx, event)) applied += 1;
      }
      return { applied, ignored: events.length - applied };
    });
  }

  override async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  override async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Statuses an event may still change. */
const OPEN_STATUSES = JOB_STATUSES.filter((status) => !TERMINAL_STATUSES.includes(status));

/** Counts an attempt once, however often its events arrive: attempts only grow. */
function atLeast(attempt: number) {
  return sql<number>`case when attempts < ${attempt} then ${attempt} else attempts end`;
}

/** One conditional UPDATE per event: the WHERE clause is the state machine, so no read is needed. */
async function applyEvent(trx: Transaction<Database>, event: JobEvent): Promise<boolean> {
  const base = trx.updateTable('jobs').where('id', '=', event.job_id);
  let update;
  switch (event.kind) {
    case 'started':
      // `running` is included so a redelivered attempt is still counted and attributed; a late `started`
      // of an older attempt must not overwrite the newer attempt's start.
      update = base
        .set({ status: 'running', attempts: atLeast(event.attempt), started_at: event.at, worker: event.worker, updated_at: event.at })
        .where('status', 'in', [...STARTABLE_STATUSES, 'running'])
        .where('attempts', '<=', event.attempt);
      break;
    case 'progress':
      update = base.set({ progress: JSON.stringify(event.progress), updated_at: event.at }).where('status', 'in', OPEN_STATUSES);
      break;
    case 'succeeded':
      update = base
        .set({
          status: 'succeeded',
          result: JSON.stringify(event.result ?? null),
          error: null,
          attempts: atLeast(event.attempt),
          started_at: sql<number>`coalesce(started_at, ${event.started_at})`,
          finished_at: event.at,
          worker: event.worker,
          updated_at: event.at,
        })
        .where('status', 'in', OPEN_STATUSES);
      break;
    case 'failed':
      update = base
        .set({
          status: 'failed',
          error: JSON.stringify(event.error),
          attempts: atLeast(event.attempt),
          started_at: event.started_at === undefined ? sql<number | null>`started_at` : sql<number>`coalesce(started_at, ${event.started_at})`,
          finished_at: event.at,
          worker: event.worker,
          updated_at: event.at,
        })
        .where('status', 'in', OPEN_STATUSES);
      break;
  }
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function parse<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function toRecord(row: Selectable<JobsTable>): JobRecord {
  return {
    id: row.id,
    type: row.type,
    queue: row.queue,
    status: row.status as JobStatus,
    payload: parse<object>(row.payload) ?? {},
    result: parse(row.result),
    error: parse(row.error),
    progress: parse(row.progress),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    priority: Number(row.priority),
    worker: row.worker,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}
