import { JOB_STATUSES, JobEvent, JobStatus, JobSucceededEvent, TERMINAL_STATUSES } from '@cask/contracts';
import { CompiledQuery, Insertable, Kysely, QueryResult, RawBuilder, Transaction, sql } from 'kysely';
import type { ApplyResult } from './job-record';
import type { Database, JobTransitionsTable } from './schema';

/** A row of a job's history, written by {@link applyEvent}'s caller together with the group's others. */
export type NewTransition = Insertable<JobTransitionsTable>;

/** Statuses an event may still change. */
const OPEN_STATUSES = JOB_STATUSES.filter((status) => !TERMINAL_STATUSES.includes(status));

/** Counts an attempt once, however often its events arrive: attempts only grow. */
function atLeast(attempt: number) {
  return sql<number>`case when attempts < ${attempt} then ${attempt} else attempts end`;
}

const keepStart = (startedAt: number | undefined) =>
  startedAt === undefined ? sql<number | null>`started_at` : sql<number>`coalesce(started_at, ${startedAt})`;

/**
 * Applies one event with one conditional UPDATE whose WHERE clause is the state machine. Returns the
 * history rows the change adds (none for progress), or undefined when the event changed nothing.
 */
export async function applyEvent(trx: Transaction<Database>, event: JobEvent): Promise<NewTransition[] | undefined> {
  // Events of an older series (before a redrive) never touch the new one.
  const base = trx.updateTable('jobs').where('id', '=', event.job_id).where('series', '=', event.series);
  let update;
  let status: JobStatus | undefined;
  let error: string | null = null;
  switch (event.kind) {
    case 'started':
      // `running` is included so a redelivered attempt is still counted and attributed; an older
      // attempt's late `started` must not overwrite the newer attempt's.
      status = 'running';
      update = base
        .set({
          status,
          attempts: atLeast(event.attempt),
          started_at: event.at,
          worker: event.worker,
          next_attempt_at: null,
          updated_at: event.at,
        })
        .where((eb) =>
          eb.or([
            eb.and([eb('status', 'in', ['queued', 'scheduled']), eb('attempts', '<=', event.attempt)]),
            // A later attempt only: a redelivered `started` of the attempt that is running or already
            // failed must not move the job back.
            eb.and([eb('status', 'in', ['running', 'retrying']), eb('attempts', '<', event.attempt)]),
          ]),
        );
      break;
    case 'progress':
      update = base
        .set({ progress: JSON.stringify(event.progress), updated_at: event.at })
        .where('status', 'in', OPEN_STATUSES)
        .where('attempts', '<=', event.attempt);
      break;
    case 'retrying':
      status = 'retrying';
      error = JSON.stringify(event.error);
      update = base
        .set({
          status,
          error,
          attempts: atLeast(event.attempt),
          started_at: keepStart(event.started_at),
          next_attempt_at: event.next_attempt_at,
          worker: event.worker,
          updated_at: event.at,
        })
        .where((eb) =>
          eb.or([
            eb.and([eb('status', 'in', ['queued', 'scheduled', 'running']), eb('attempts', '<=', event.attempt)]),
            eb.and([eb('status', '=', 'retrying'), eb('attempts', '<', event.attempt)]),
          ]),
        );
      break;
    case 'succeeded':
      status = 'succeeded';
      update = base
        .set({
          status,
          result: JSON.stringify(event.result ?? null),
          error: null,
          attempts: atLeast(event.attempt),
          started_at: keepStart(event.started_at),
          finished_at: event.at,
          next_attempt_at: null,
          worker: event.worker,
          updated_at: event.at,
        })
        .where('status', 'in', OPEN_STATUSES);
      break;
    case 'failed':
      status = 'failed';
      error = JSON.stringify(event.error);
      update = base
        .set({
          status,
          error,
          attempts: atLeast(event.attempt),
          started_at: keepStart(event.started_at),
          finished_at: event.at,
          next_attempt_at: null,
          worker: event.worker,
          updated_at: event.at,
        })
        .where('status', 'in', OPEN_STATUSES);
      break;
    default:
      return undefined;
  }
  const result = await update.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return undefined;
  if (!status) return [];
  const { job_id, series, attempt, at, worker } = event;
  const transition = { job_id, series, attempt, status, at, worker, error };
  // An attempt too short to send `started` still ran: its history shows the step.
  if ('start_unreported' in event && event.start_unreported && event.started_at !== undefined) {
    return [{ job_id, series, attempt, status: 'running', at: event.started_at, worker, error: null }, transition];
  }
  return [transition];
}

/** Most events, or history rows, one bulk statement carries: 8 parameters each at most, under both databases' limits. */
const BULK_CHUNK = 500;

/**
 * One VALUES row per `succeeded` event, columns column1..column8 in both SQLite and PostgreSQL: job id,
 * series, attempt, started_at, at, worker, result, start unreported (1 or 0). The casts type PostgreSQL's
 * parameters.
 */
function succeededRows(events: readonly JobSucceededEvent[]) {
  return sql.join(
    events.map(
      (e) =>
        sql`(cast(${e.job_id} as varchar(36)), cast(${e.series} as integer), cast(${e.attempt} as integer), cast(${e.started_at} as bigint), cast(${e.at} as bigint), cast(${e.worker} as varchar(200)), cast(${JSON.stringify(e.result ?? null)} as text), cast(${e.start_unreported ? 1 : 0} as integer))`,
    ),
  );
}

/** `update jobs … from v`, for VALUES `v` of {@link succeededRows}: {@link applyEvent}'s state machine and columns for `succeeded`. */
function updateSucceeded() {
  const open = sql.join(OPEN_STATUSES.map((status) => sql`${status}`));
  const jobs = sql.table('jobs');
  // Tables named through sql.table/sql.ref, so a table prefix or schema reaches them.
  return sql`update ${jobs} set
      status = 'succeeded', result = v.column7, error = null,
      attempts = case when attempts < v.column3 then v.column3 else attempts end,
      started_at = coalesce(started_at, v.column4), finished_at = v.column5,
      next_attempt_at = null, worker = v.column6, updated_at = v.column5
    from v
    where ${sql.ref('jobs.id')} = v.column1 and ${sql.ref('jobs.series')} = v.column2 and ${sql.ref('jobs.status')} in (${open})
    returning ${sql.ref('jobs.id')}`;
}

/** The events that changed a job, of those given, with the history rows they add. */
function succeededOutcome(
  events: readonly JobSucceededEvent[],
  changedIds: readonly string[],
): { applied: JobEvent[]; transitions: NewTransition[] } {
  const changed = new Set(changedIds);
  const applied: JobEvent[] = [];
  const transitions: NewTransition[] = [];
  for (const event of events) {
    if (!changed.has(event.job_id)) continue;
    applied.push(event);
    const { job_id, series, attempt, at, worker } = event;
    if (event.start_unreported) transitions.push({ job_id, series, attempt, status: 'running', at: event.started_at, worker, error: null });
    transitions.push({ job_id, series, attempt, status: 'succeeded', at, worker, error: null });
  }
  return { applied, transitions };
}

/**
 * Applies `succeeded` events of distinct jobs with one UPDATE per chunk instead of one per event: the
 * same state machine as {@link applyEvent} (an open job of the event's series), the same columns set.
 * Returns the history rows of the jobs it changed, and the events that changed them.
 */
export async function applySucceededInBulk(
  trx: Transaction<Database>,
  events: readonly JobSucceededEvent[],
): Promise<{ applied: JobEvent[]; transitions: NewTransition[] }> {
  const applied: JobEvent[] = [];
  const transitions: NewTransition[] = [];
  for (let i = 0; i < events.length; i += BULK_CHUNK) {
    const chunk = events.slice(i, i + BULK_CHUNK);
    const result = await sql<{ id: string }>`with v as (values ${succeededRows(chunk)}) ${updateSucceeded()}`.execute(trx);
    const outcome = succeededOutcome(
      chunk,
      result.rows.map((row) => row.id),
    );
    applied.push(...outcome.applied);
    transitions.push(...outcome.transitions);
  }
  return { applied, transitions };
}

/** Whether a group is only `succeeded` events of distinct jobs, few enough for one bulk statement. */
export function onlyDistinctSuccesses(events: readonly JobEvent[]): events is readonly JobSucceededEvent[] {
  if (events.length > BULK_CHUNK) return false;
  const jobs = new Set<string>();
  for (const event of events) {
    if (event.kind !== 'succeeded' || jobs.has(event.job_id)) return false;
    jobs.add(event.job_id);
  }
  return true;
}

/**
 * PostgreSQL only: such a group in one statement, the update and its history rows together (a
 * data-modifying WITH runs atomically, and to completion even though nothing reads it). One round trip
 * instead of four, which at 1,000 jobs/s is most of the time an event waits to be applied.
 */
export async function applySuccessesInOneStatement(db: Kysely<Database>, events: readonly JobSucceededEvent[]): Promise<ApplyResult> {
  const result = await sql<{ id: string }>`
    with v as (values ${succeededRows(events)}),
    updated as (${updateSucceeded()}),
    history as (
      insert into ${sql.table('job_transitions')} (job_id, series, attempt, status, at, worker, error)
      select v.column1, v.column2, v.column3, step.status, case when step.status = 'running' then v.column4 else v.column5 end, v.column6, null
      from v join updated on updated.id = v.column1
      cross join (values ('running'), ('succeeded')) as step (status)
      where step.status = 'succeeded' or v.column8 = 1
    )
    select id from updated`.execute(db);
  const { applied } = succeededOutcome(
    events,
    result.rows.map((row) => row.id),
  );
  const appliedSet = new Set(applied);
  return { applied: appliedSet.size, ignored: events.length - appliedSet.size, appliedEvents: forLiveStreams(events, appliedSet) };
}

/** The SQLite connection's own scratch table for {@link successesAsOneBatch}: temporary, so never prefixed or shared. */
const SCRATCH = sql.raw('temp.cask_succeeded');

/**
 * SQLite only: such a group as one batch of statements in one transaction (SQLite has no data-modifying
 * WITH): the events go into a temporary table, which then marks the jobs they change (an open job of the
 * event's series, {@link applyEvent}'s state machine), updates those jobs, adds their history rows and
 * names them. One message to the SQLite thread and back, instead of one per statement.
 * `run` executes the statements in one transaction and returns their results, the last one's rows last.
 */
export async function applySuccessesAsOneBatch(
  db: Kysely<Database>,
  run: (queries: readonly CompiledQuery[]) => Promise<ReadonlyArray<QueryResult<unknown>>>,
  events: readonly JobSucceededEvent[],
): Promise<ApplyResult> {
  const open = sql.join(OPEN_STATUSES.map((status) => sql`${status}`));
  const jobs = sql.table('jobs');
  const compile = (query: RawBuilder<unknown>) => query.compile(db);
  const results = await run([
    compile(sql`create temp table if not exists ${SCRATCH} (
      job_id text primary key, series integer, attempt integer, started_at integer, at integer, worker text,
      result text, start_unreported integer, applies integer not null default 0)`),
    compile(sql`delete from ${SCRATCH}`),
    compile(
      sql`insert into ${SCRATCH} (job_id, series, attempt, started_at, at, worker, result, start_unreported) values ${succeededRows(events)}`,
    ),
    compile(sql`update ${SCRATCH} set applies = 1 where exists (
      select 1 from ${jobs} where ${sql.ref('jobs.id')} = ${SCRATCH}.job_id and ${sql.ref('jobs.series')} = ${SCRATCH}.series
        and ${sql.ref('jobs.status')} in (${open}))`),
    compile(sql`update ${jobs} set
      status = 'succeeded', result = v.result, error = null,
      attempts = case when ${sql.ref('jobs.attempts')} < v.attempt then v.attempt else ${sql.ref('jobs.attempts')} end,
      started_at = coalesce(${sql.ref('jobs.started_at')}, v.started_at), finished_at = v.at,
      next_attempt_at = null, worker = v.worker, updated_at = v.at
      from ${SCRATCH} as v where ${sql.ref('jobs.id')} = v.job_id and v.applies = 1`),
    compile(sql`insert into ${sql.table('job_transitions')} (job_id, series, attempt, status, at, worker, error)
      select v.job_id, v.series, v.attempt, step.status, case when step.status = 'running' then v.started_at else v.at end, v.worker, null
      from ${SCRATCH} as v cross join (select 'running' as status union all select 'succeeded') as step
      where v.applies = 1 and (step.status = 'succeeded' or v.start_unreported = 1)`),
    compile(sql`select job_id as id from ${SCRATCH} where applies = 1`),
  ]);
  const ids = (results[results.length - 1].rows as Array<{ id: string }>).map((row) => row.id);
  const { applied } = succeededOutcome(events, ids);
  const appliedSet = new Set(applied);
  return { applied: appliedSet.size, ignored: events.length - appliedSet.size, appliedEvents: forLiveStreams(events, appliedSet) };
}

/**
 * Applies a group of events in the caller's transaction. The common case, a job's one `succeeded` event,
 * goes in bulk; the events of a job that has several in the group are applied one by one, in order. Jobs
 * are independent, so the two sets may go in either order. History rows go in one statement per chunk.
 */
export async function applyEventGroup(trx: Transaction<Database>, events: readonly JobEvent[]): Promise<ApplyResult> {
  const perJob = new Map<string, number>();
  for (const event of events) perJob.set(event.job_id, (perJob.get(event.job_id) ?? 0) + 1);
  const bulk: JobSucceededEvent[] = [];
  const single: JobEvent[] = [];
  for (const event of events) {
    if (event.kind === 'succeeded' && perJob.get(event.job_id) === 1) bulk.push(event);
    else single.push(event);
  }
  const { applied: appliedEvents, transitions } = await applySucceededInBulk(trx, bulk);
  for (const event of single) {
    const added = await applyEvent(trx, event);
    if (!added) continue;
    appliedEvents.push(event);
    transitions.push(...added);
  }
  // Chunks stay under the bound-parameter limits of both databases.
  for (let i = 0; i < transitions.length; i += BULK_CHUNK) {
    await trx
      .insertInto('job_transitions')
      .values(transitions.slice(i, i + BULK_CHUNK))
      .execute();
  }
  const applied = new Set(appliedEvents);
  return { applied: applied.size, ignored: events.length - applied.size, appliedEvents: forLiveStreams(events, applied) };
}

/**
 * The applied events in the order they arrived, for the live streams; an outcome whose start went
 * unreported is preceded by the `started` it stands for, as its history is.
 */
function forLiveStreams(events: readonly JobEvent[], applied: ReadonlySet<JobEvent>): JobEvent[] {
  const out: JobEvent[] = [];
  for (const event of events) {
    if (!applied.has(event)) continue;
    if ('start_unreported' in event && event.start_unreported && event.started_at !== undefined) {
      const { job_id, type, series, attempt, worker, started_at } = event;
      out.push({ kind: 'started', job_id, type, series, attempt, worker, at: started_at });
    }
    out.push(event);
  }
  return out;
}
