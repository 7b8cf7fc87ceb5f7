import type { JobEvent, JobStatus } from '@cask/contracts';
import { Kysely, sql } from 'kysely';
import { finishedPerMinute, oldestQueuedSince, recentDurations } from './activity-queries';
import { applyEventGroup } from './event-transitions';
import type {
  ApplyResult,
  CreateJobResult,
  IdempotencyClaim,
  JobCounts,
  JobQuery,
  JobRecord,
  JobTransition,
  MinuteCounts,
  NewJob,
  OutboxMessage,
  RedriveFilter,
} from './job-record';
import { jobRow, outboxRow, toOutboxMessage, toRecord, toTransition } from './job-rows';
import { JobStore, RedriveMessage } from './job-store';
import { migrateToLatest } from './migrations';
import type { Database } from './schema';

/** Where each status falls within one attempt, for ordering history. */
const STATUS_ORDER: Record<JobStatus, number> = { queued: 0, scheduled: 0, running: 1, retrying: 2, succeeded: 3, failed: 3, cancelled: 3 };

/** How many jobs one bulk redrive takes at most; callers repeat for more. */
const REDRIVE_BATCH = 1000;

/** The store over Kysely; the SQLite and PostgreSQL stores differ only in how they connect. */
export abstract class KyselyJobStore extends JobStore {
  protected constructor(protected readonly db: Kysely<Database>) {
    super();
  }

  /** The Kysely instance, for the stores of other tables (schedules, workers) that share this database. */
  get database(): Kysely<Database> {
    return this.db;
  }

  override migrate(): Promise<void> {
    return migrateToLatest(this.db);
  }

  override async createJob(job: NewJob, message: OutboxMessage, idempotency?: IdempotencyClaim): Promise<CreateJobResult> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        if (idempotency) {
          const existing = await trx.selectFrom('idempotency_keys').selectAll().where('key', '=', idempotency.key).executeTakeFirst();
          if (existing && Number(existing.expires_at) > job.createdAt) {
            return { created: false, jobId: existing.job_id, requestHash: existing.request_hash } as const;
          }
          if (existing) await trx.deleteFrom('idempotency_keys').where('key', '=', idempotency.key).execute();
          // Two requests racing with one key: the primary key lets exactly one insert win.
          await trx
            .insertInto('idempotency_keys')
            .values({ key: idempotency.key, request_hash: idempotency.requestHash, job_id: job.id, expires_at: idempotency.expiresAt })
            .execute();
        }
        await trx.insertInto('jobs').values(jobRow(job)).execute();
        await trx.insertInto('outbox').values(outboxRow(message)).execute();
        return { created: true } as const;
      });
    } catch (err) {
      if (!idempotency) throw err;
      // The racing request committed the key first: answer with its job. Anything else (an expired key
      // whose replacement rolled back, any other failure) is this request's own error.
      const winner = await this.db.selectFrom('idempotency_keys').selectAll().where('key', '=', idempotency.key).executeTakeFirst();
      if (!winner || winner.job_id === job.id || Number(winner.expires_at) <= job.createdAt) throw err;
      return { created: false, jobId: winner.job_id, requestHash: winner.request_hash };
    }
  }

  override async createJobs(items: ReadonlyArray<{ job: NewJob; message: OutboxMessage }>): Promise<void> {
    if (items.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      // Chunks keep each statement under SQLite's and PostgreSQL's bound-parameter limits.
      for (let i = 0; i < items.length; i += 200) {
        const chunk = items.slice(i, i + 200);
        await trx.insertInto('jobs').values(chunk.map(({ job }) => jobRow(job))).execute();
        await trx.insertInto('outbox').values(chunk.map(({ message }) => outboxRow(message))).execute();
      }
    });
  }

  override async get(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  override async list(query: JobQuery): Promise<JobRecord[]> {
    let select = this.db.selectFrom('jobs').selectAll().where('tenant', '=', query.tenant).orderBy('id', 'desc').limit(query.limit);
    if (query.status) select = select.where('status', '=', query.status);
    if (query.type) select = select.where('type', '=', query.type);
    if (query.beforeId) select = select.where('id', '<', query.beforeId);
    const rows = await select.execute();
    return rows.map(toRecord);
  }

  override async history(id: string): Promise<JobTransition[]> {
    const rows = await this.db.selectFrom('job_transitions').selectAll().where('job_id', '=', id).execute();
    // Clocks of different processes and same-millisecond transitions make time alone ambiguous: order by
    // series, attempt and the state machine's own order, then time.
    return rows.map(toTransition).sort((a, b) => a.series - b.series || a.attempt - b.attempt || STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.at - b.at);
  }

  override async applyEvents(events: readonly JobEvent[]): Promise<ApplyResult> {
    if (events.length === 0) return { applied: 0, ignored: 0 };
    return this.db.transaction().execute((trx) => applyEventGroup(trx, events));
  }

  override redrive(id: string, message: RedriveMessage): Promise<JobRecord | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      const result = await trx
        .updateTable('jobs')
        .set({
          status: 'queued',
          series: sql<number>`series + 1`,
          attempts: 0,
          result: null,
          error: null,
          progress: null,
          started_at: null,
          finished_at: null,
          next_attempt_at: null,
          worker: null,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('status', 'in', ['failed', 'cancelled'])
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return undefined;
      const job = toRecord(await trx.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
      await trx.insertInto('outbox').values(outboxRow(message(job))).execute();
      await trx.insertInto('job_transitions').values({ job_id: id, series: job.series, attempt: 0, status: 'queued', at: now, worker: null, error: null }).execute();
      return job;
    });
  }

  override async redriveMany(filter: RedriveFilter, message: RedriveMessage): Promise<number> {
    let select = this.db.selectFrom('jobs').select('id').where('tenant', '=', filter.tenant).orderBy('id').limit(REDRIVE_BATCH);
    select = filter.status ? select.where('status', '=', filter.status) : select.where('status', 'in', ['failed', 'cancelled']);
    if (filter.type) select = select.where('type', '=', filter.type);
    let count = 0;
    for (const { id } of await select.execute()) {
      if (await this.redrive(id, message)) count += 1;
    }
    return count;
  }

  override async outboxBacklog(dueBy?: number): Promise<number> {
    let query = this.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('count'));
    if (dueBy !== undefined) query = query.where('available_at', '<=', dueBy);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.count);
  }

  override async claimOutbox(limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const now = Date.now();
    const due = await this.db.selectFrom('outbox').selectAll().where('available_at', '<=', now).orderBy('available_at').orderBy('id').limit(limit).execute();
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
      const jobIds = (await trx.selectFrom('outbox').select('job_id').where('id', 'in', ids).execute()).map((row) => row.job_id);
      await trx.deleteFrom('outbox').where('id', 'in', ids).execute();
      if (jobIds.length === 0) return;
      const now = Date.now();
      const due = await trx.selectFrom('jobs').select(['id', 'series']).where('id', 'in', jobIds).where('status', '=', 'scheduled').execute();
      if (due.length === 0) return;
      await trx.updateTable('jobs').set({ status: 'queued', updated_at: now }).where('id', 'in', due.map((job) => job.id)).where('status', '=', 'scheduled').execute();
      await trx
        .insertInto('job_transitions')
        .values(due.map((job) => ({ job_id: job.id, series: Number(job.series), attempt: 0, status: 'queued', at: now, worker: null, error: null })))
        .execute();
    });
  }

  override async nextOutboxDue(): Promise<number | undefined> {
    const row = await this.db.selectFrom('outbox').select((eb) => eb.fn.min('available_at').as('next')).executeTakeFirst();
    return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
  }

  override cancel(id: string, now: number, command?: (job: JobRecord) => OutboxMessage): Promise<{ before: JobRecord; cancelled: boolean } | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const before = toRecord(row);
      const result = await trx
        .updateTable('jobs')
        .set({ status: 'cancelled', finished_at: now, next_attempt_at: null, updated_at: now })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'scheduled', 'running', 'retrying'])
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return { before, cancelled: false };
      // A message not yet published never will be: the job cannot run.
      await trx.deleteFrom('outbox').where('job_id', '=', id).execute();
      // One already in the broker is stopped by the workers, told through the control stream.
      if (command) await trx.insertInto('outbox').values(outboxRow(command(before))).execute();
      await trx
        .insertInto('job_transitions')
        .values({ job_id: id, series: before.series, attempt: before.attempts, status: 'cancelled', at: now, worker: null, error: null })
        .execute();
      return { before, cancelled: true };
    });
  }

  override async purgeExpiredKeys(now: number): Promise<number> {
    const result = await this.db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
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
      await trx.insertInto('job_tombstones').values(purged.map(({ id, tenant }) => ({ id, tenant, purged_at: now }))).execute();
      await trx.deleteFrom('job_transitions').where('job_id', 'in', ids).execute();
      await trx.deleteFrom('jobs').where('id', 'in', ids).execute();
      return ids.length;
    });
  }

  override async isPurged(id: string, tenant: string): Promise<boolean> {
    const row = await this.db.selectFrom('job_tombstones').select('id').where('id', '=', id).where('tenant', '=', tenant).executeTakeFirst();
    return row !== undefined;
  }

  override async counts(tenant: string): Promise<JobCounts> {
    const rows = await this.db
      .selectFrom('jobs')
      .select((eb) => ['type', 'status', eb.fn.countAll<number>().as('count')])
      .where('tenant', '=', tenant)
      .groupBy(['type', 'status'])
      .execute();
    const counts: JobCounts = { byStatus: {}, byType: {} };
    for (const row of rows) {
      const status = row.status as JobStatus;
      const count = Number(row.count);
      counts.byStatus[status] = (counts.byStatus[status] ?? 0) + count;
      (counts.byType[row.type] ??= {})[status] = count;
    }
    return counts;
  }

  override async countWaiting(tenant: string): Promise<number> {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('tenant', '=', tenant)
      .where('status', 'in', ['queued', 'scheduled', 'retrying'])
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  override finishedPerMinute(tenant: string, since: number): Promise<MinuteCounts[]> {
    return finishedPerMinute(this.db, tenant, since);
  }

  override recentDurations(tenant: string, since: number, limit: number): Promise<number[]> {
    return recentDurations(this.db, tenant, since, limit);
  }

  override oldestQueuedSince(tenant: string): Promise<number | undefined> {
    return oldestQueuedSince(this.db, tenant);
  }

  override async purgeTombstones(before: number): Promise<number> {
    const result = await this.db.deleteFrom('job_tombstones').where('purged_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  override async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  override async close(): Promise<void> {
    await this.db.destroy();
  }
}
