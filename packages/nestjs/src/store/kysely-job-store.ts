import { ErrorCode, JobError, JobEvent, JobStatus, isTerminalStatus } from '@cask/contracts';
import { CompiledQuery, Kysely, Transaction, sql } from 'kysely';
import type { CaskDatabase } from './cask-database';
import { applyEventGroup, applySuccessesAsOneBatch, applySuccessesInOneStatement, onlyDistinctSuccesses } from './event-transitions';
import type {
  ApplyResult,
  CreateJobResult,
  IdempotencyClaim,
  JobQuery,
  JobRecord,
  JobTransition,
  NewJob,
  OutboxMessage,
  RedriveFilter,
  UniqueClaim,
  UniqueHolder,
} from './job-record';
import { groupJobRow, groupRow, upsertGroups } from './group-rows';
import { jobRow, outboxRow, toRecord, toTransition, traceColumn } from './job-rows';
import { insertJob, queueMessage } from './job-writes';
import { JobStore, RedriveMessage } from './job-store';
import type { Database } from './schema';

/** Where each status falls within one attempt, for ordering history. */
const STATUS_ORDER: Record<JobStatus, number> = {
  waiting: 0,
  queued: 0,
  scheduled: 0,
  running: 1,
  retrying: 2,
  succeeded: 3,
  failed: 3,
  cancelled: 3,
};

/** How many jobs one bulk redrive takes at most; callers repeat for more. */
const REDRIVE_BATCH = 1000;

/**
 * Jobs written by one statement at most on PostgreSQL: fewer than 30 parameters per job, under its 65,535.
 * Dispatch groups stay below it; larger batches take the transaction of chunks.
 */
const SINGLE_STATEMENT_JOBS = 1000;

/** The job store over Kysely, on SQLite or PostgreSQL; PostgreSQL takes two faster paths. */
export class KyselyJobStore extends JobStore {
  constructor(private readonly database: CaskDatabase) {
    super();
  }

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  override async createJob(
    job: NewJob,
    message: OutboxMessage,
    idempotency?: IdempotencyClaim,
    unique?: UniqueClaim,
  ): Promise<CreateJobResult> {
    for (let attempt = 1; ; attempt++) {
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
          if (unique) {
            const holder = await claimUniqueKey(trx, unique, job);
            if (holder) {
              // The request's idempotency key answers with the job the request became.
              if (idempotency)
                await trx.updateTable('idempotency_keys').set({ job_id: holder.jobId }).where('key', '=', idempotency.key).execute();
              return holder;
            }
          }
          await insertJob(trx, job, message);
          return { created: true } as const;
        });
      } catch (err) {
        if (idempotency) {
          // The racing request committed the key first: answer with its job. Anything else (an expired key
          // whose replacement rolled back, any other failure) is this request's own error.
          const winner = await this.db.selectFrom('idempotency_keys').selectAll().where('key', '=', idempotency.key).executeTakeFirst();
          if (winner && winner.job_id !== job.id && Number(winner.expires_at) > job.createdAt) {
            return { created: false, jobId: winner.job_id, requestHash: winner.request_hash };
          }
        }
        // A dispatch racing this one claimed the unique key first (its insert won the primary key): looking
        // again finds its job, which this dispatch then becomes.
        if (unique && attempt < 3 && (await this.anyUniqueKeyHeld([unique.key]))) continue;
        throw err;
      }
    }
  }

  override async createJobsClaiming(
    items: ReadonlyArray<{ job: NewJob; message: OutboxMessage; unique?: UniqueClaim }>,
  ): Promise<CreateJobResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const results: CreateJobResult[] = [];
          for (const { job, message, unique } of items) {
            const holder = unique && (await claimUniqueKey(trx, unique, job));
            if (holder) {
              results.push(holder);
              continue;
            }
            await insertJob(trx, job, message);
            results.push({ created: true });
          }
          return results;
        });
      } catch (err) {
        // As in createJob: a racing dispatch claimed one of the keys first; looking again finds its job.
        const claimed = items.filter((item) => item.unique).map((item) => (item.unique as UniqueClaim).key);
        if (attempt < 3 && claimed.length > 0 && (await this.anyUniqueKeyHeld(claimed))) continue;
        throw err;
      }
    }
  }

  private async anyUniqueKeyHeld(keys: readonly string[]): Promise<boolean> {
    for (let i = 0; i < keys.length; i += 500) {
      const row = await this.db
        .selectFrom('unique_keys')
        .select('key')
        .where('key', 'in', keys.slice(i, i + 500))
        .executeTakeFirst();
      if (row) return true;
    }
    return false;
  }

  override async createJobs(items: ReadonlyArray<{ job: NewJob; message: OutboxMessage }>): Promise<void> {
    if (items.length === 0) return;
    const grouped = items.some(({ job }) => job.group);
    if (this.database.dialect === 'postgres' && items.length <= SINGLE_STATEMENT_JOBS && !grouped) {
      return this.createJobsInOneStatement(items);
    }
    // Chunks keep each statement under SQLite's and PostgreSQL's bound-parameter limits.
    const statements: CompiledQuery[] = [];
    for (let i = 0; i < items.length; i += 200) {
      const chunk = items.slice(i, i + 200);
      statements.push(
        this.db
          .insertInto('jobs')
          .values(chunk.map(({ job }) => jobRow(job)))
          .compile(),
      );
      const free = chunk.filter(({ job }) => !job.group);
      if (free.length > 0) {
        statements.push(
          this.db
            .insertInto('outbox')
            .values(free.map(({ message }) => outboxRow(message)))
            .compile(),
        );
      }
      const held = chunk.filter(({ job }) => job.group);
      if (held.length > 0) {
        statements.push(
          upsertGroups(
            this.db,
            held.map(({ job }) => groupRow(job)),
          ).compile(),
          this.db
            .insertInto('group_jobs')
            .values(held.map(({ job, message }) => groupJobRow(job, message)))
            .compile(),
        );
      }
    }
    await this.database.batch(statements);
  }

  /**
   * PostgreSQL overlaps a few transactions, each on its own connection. SQLite commits one at a time, but
   * batches sent while it works share its next commit, so a few groups under way keep a dispatch from
   * waiting for the reply to the one before.
   */
  override get writesInParallel(): number {
    return 4;
  }

  override async get(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  override async list(query: JobQuery): Promise<JobRecord[]> {
    let select = this.db.selectFrom('jobs').selectAll().where('tenant', '=', query.tenant).orderBy('id', 'desc').limit(query.limit);
    if (query.status) select = select.where('status', '=', query.status);
    if (query.type) select = select.where('type', '=', query.type);
    if (query.group) select = select.where('group_key', '=', query.group);
    if (query.queue) select = select.where('queue', '=', query.queue);
    if (query.flowId) select = select.where('flow_id', '=', query.flowId);
    if (query.payloadContains) {
      // `%`, `_` and the escape itself match only themselves; both databases compare lower-cased text alike.
      const pattern = `%${query.payloadContains.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      select = select.where(sql<boolean>`lower(${sql.ref('payload')}) like ${pattern} escape '\\'`);
    }
    if (query.beforeId) select = select.where('id', '<', query.beforeId);
    const rows = await select.execute();
    return rows.map(toRecord);
  }

  override async history(id: string): Promise<JobTransition[]> {
    const rows = await this.db.selectFrom('job_transitions').selectAll().where('job_id', '=', id).execute();
    // Clocks of different processes and same-millisecond transitions make time alone ambiguous: order by
    // series, attempt and the state machine's own order, then time.
    return rows
      .map(toTransition)
      .sort((a, b) => a.series - b.series || a.attempt - b.attempt || STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.at - b.at);
  }

  override async applyEvents(events: readonly JobEvent[]): Promise<ApplyResult> {
    if (events.length === 0) return { applied: 0, ignored: 0 };
    if (onlyDistinctSuccesses(events)) {
      if (this.database.dialect === 'postgres') return applySuccessesInOneStatement(this.db, events);
      return applySuccessesAsOneBatch(this.db, (queries) => this.database.batch(queries), events);
    }
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
      if (await hasParents(trx, job)) {
        // A flow job runs with its parents' outcomes: it waits for them again (those redriven meanwhile too).
        await trx.updateTable('jobs').set({ status: 'waiting' }).where('id', '=', id).execute();
        await trx.updateTable('flow_nodes').set({ waiting: 1 }).where('job_id', '=', id).execute();
        await trx
          .insertInto('job_transitions')
          .values({ job_id: id, series: job.series, attempt: 0, status: 'waiting', at: now, worker: null, error: null })
          .execute();
        return { ...job, status: 'waiting' as const };
      }
      await queueMessage(trx, job, message(job));
      await trx
        .insertInto('job_transitions')
        .values({ job_id: id, series: job.series, attempt: 0, status: 'queued', at: now, worker: null, error: null })
        .execute();
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

  override cancel(
    id: string,
    now: number,
    command?: (job: JobRecord) => OutboxMessage,
  ): Promise<{ before: JobRecord; cancelled: boolean } | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const before = toRecord(row);
      const result = await trx
        .updateTable('jobs')
        .set({ status: 'cancelled', finished_at: now, next_attempt_at: null, updated_at: now })
        .where('id', '=', id)
        .where('status', 'in', ['waiting', 'queued', 'scheduled', 'running', 'retrying'])
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return { before, cancelled: false };
      // A flow job waiting for its parents has no message anywhere, so no worker to tell.
      const tell = before.status === 'waiting' ? undefined : command;
      if (before.status === 'waiting') await trx.updateTable('flow_nodes').set({ waiting: 0 }).where('job_id', '=', id).execute();
      // A message not yet published never will be: the job cannot run.
      await trx.deleteFrom('outbox').where('job_id', '=', id).execute();
      // One already in the broker is stopped by the workers, told through the control stream.
      if (tell)
        await trx
          .insertInto('outbox')
          .values(outboxRow(tell(before)))
          .execute();
      await trx
        .insertInto('job_transitions')
        .values({ job_id: id, series: before.series, attempt: before.attempts, status: 'cancelled', at: now, worker: null, error: null })
        .execute();
      return { before, cancelled: true };
    });
  }

  override loseWorkers(workerIds: readonly string[], now: number): Promise<JobRecord[]> {
    if (workerIds.length === 0) return Promise.resolve([]);
    return this.db.transaction().execute(async (trx) => {
      const lost: JobRecord[] = [];
      for (const workerId of workerIds) {
        const error: JobError = {
          code: ErrorCode.WorkerLost,
          message: `Worker ${workerId} stopped sending heartbeats while running this attempt; it runs again when another worker takes it`,
          retryable: true,
        };
        const rows = await trx
          .updateTable('jobs')
          .set({ status: 'retrying', error: JSON.stringify(error), next_attempt_at: null, updated_at: now })
          .where('status', '=', 'running')
          .where('worker', '=', workerId)
          .returningAll()
          .execute();
        if (rows.length === 0) continue;
        for (let i = 0; i < rows.length; i += 200) {
          await trx
            .insertInto('job_transitions')
            .values(
              rows.slice(i, i + 200).map((row) => ({
                job_id: row.id,
                series: row.series,
                attempt: row.attempts,
                status: 'retrying',
                at: now,
                worker: workerId,
                error: JSON.stringify(error),
              })),
            )
            .execute();
        }
        lost.push(...rows.map(toRecord));
      }
      return lost;
    });
  }

  /**
   * PostgreSQL: jobs and their messages in one statement, so one round trip instead of four. It runs the
   * statement in a `WITH` and the outer one atomically, whether or not the outer one reads its rows.
   */
  private async createJobsInOneStatement(items: ReadonlyArray<{ job: NewJob; message: OutboxMessage }>): Promise<void> {
    await this.db
      .with('inserted_jobs', (db) =>
        db
          .insertInto('jobs')
          .values(items.map(({ job }) => jobRow(job)))
          .returning('id'),
      )
      .insertInto('outbox')
      .values(items.map(({ message }) => outboxRow(message)))
      .execute();
  }
}

async function hasParents(trx: Transaction<Database>, job: JobRecord): Promise<boolean> {
  if (job.flowId === null) return false;
  const edge = await trx.selectFrom('flow_edges').select('parent_id').where('child_id', '=', job.id).limit(1).executeTakeFirst();
  return edge !== undefined;
}

/**
 * Claims a unique key for `job` inside its transaction, or answers the job holding it: the claim's mode decides
 * whether the holder still counts (see `UniqueMode`). A holder that no longer counts (finished, purged, past its
 * window) gives the key up to `job`.
 */
async function claimUniqueKey(trx: Transaction<Database>, claim: UniqueClaim, job: NewJob): Promise<UniqueHolder | undefined> {
  const held = await trx
    .selectFrom('unique_keys')
    .leftJoin('jobs', 'jobs.id', 'unique_keys.job_id')
    .select([
      'unique_keys.job_id as jobId',
      'unique_keys.expires_at as expiresAt',
      'jobs.status as status',
      'jobs.run_at as runAt',
      'jobs.created_at as createdAt',
    ])
    .where('unique_keys.key', '=', claim.key)
    .executeTakeFirst();
  if (held) {
    const status = held.status as JobStatus | null;
    const live = status !== null && (held.expiresAt === null || Number(held.expiresAt) > job.createdAt);
    if (live && (claim.mode === 'throttle' || (claim.mode === 'drop' && !isTerminalStatus(status)))) {
      return { created: false, jobId: held.jobId, unique: 'existing', status };
    }
    if (live && claim.mode === 'debounce' && status === 'scheduled' && claim.replacement && held.runAt !== null) {
      const replacement = claim.replacement({ id: held.jobId, createdAt: Number(held.createdAt) });
      // Only while the relay has not taken the holder's message: taking it moves `available_at` off the run time.
      const taken = await trx
        .deleteFrom('outbox')
        .where('job_id', '=', held.jobId)
        .where('target', 'is', null)
        .where('available_at', '=', held.runAt)
        .executeTakeFirst();
      let replaced = Number(taken.numDeletedRows) > 0;
      if (replaced) {
        await trx.insertInto('outbox').values(outboxRow(replacement)).execute();
      } else {
        // A grouped holder's message waits in its group instead, until the group lets it go.
        const waiting = await trx
          .updateTable('group_jobs')
          .set({
            body: replacement.body,
            message_id: replacement.id,
            priority: replacement.priority,
            request_id: replacement.requestId ?? null,
            trace: traceColumn(replacement.trace),
            due_at: replacement.availableAt ?? replacement.createdAt,
          })
          .where('job_id', '=', held.jobId)
          .where('released_at', 'is', null)
          .executeTakeFirst();
        replaced = Number(waiting.numUpdatedRows) > 0;
      }
      if (replaced) {
        const { payload, priority, max_attempts, backoff, timeout_ms, run_at } = jobRow(job);
        await trx
          .updateTable('jobs')
          .set({ payload, priority, max_attempts, backoff, timeout_ms, run_at, updated_at: job.createdAt })
          .where('id', '=', held.jobId)
          .execute();
        await trx
          .updateTable('unique_keys')
          .set({ expires_at: claim.expiresAt ?? null })
          .where('key', '=', claim.key)
          .execute();
        return { created: false, jobId: held.jobId, unique: 'debounced', status };
      }
    }
    await trx.deleteFrom('unique_keys').where('key', '=', claim.key).execute();
  }
  // Two dispatches racing with one key: the primary key lets exactly one insert win.
  await trx
    .insertInto('unique_keys')
    .values({ key: claim.key, job_id: job.id, mode: claim.mode, expires_at: claim.expiresAt ?? null })
    .execute();
  return undefined;
}
