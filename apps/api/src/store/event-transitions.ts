import { JOB_STATUSES, JobEvent, JobStatus, TERMINAL_STATUSES } from '@cask/contracts';
import { Transaction, sql } from 'kysely';
import type { Database } from './schema';

/** Statuses an event may still change. */
const OPEN_STATUSES = JOB_STATUSES.filter((status) => !TERMINAL_STATUSES.includes(status));

/** Counts an attempt once, however often its events arrive: attempts only grow. */
function atLeast(attempt: number) {
  return sql<number>`case when attempts < ${attempt} then ${attempt} else attempts end`;
}

const keepStart = (startedAt: number | undefined) =>
  startedAt === undefined ? sql<number | null>`started_at` : sql<number>`coalesce(started_at, ${startedAt})`;

/**
 * Applies one event with one conditional UPDATE whose WHERE clause is the state machine, then records
 * the transition in the job's history. Returns whether the event changed the job.
 */
export async function applyEvent(trx: Transaction<Database>, event: JobEvent): Promise<boolean> {
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
        .set({ status, attempts: atLeast(event.attempt), started_at: event.at, worker: event.worker, next_attempt_at: null, updated_at: event.at })
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
      return false;
  }
  const result = await update.executeTakeFirst();
  const changed = Number(result.numUpdatedRows) > 0;
  if (changed && status) {
    await trx
      .insertInto('job_transitions')
      .values({ job_id: event.job_id, series: event.series, attempt: event.attempt, status, at: event.at, worker: event.worker, error })
      .execute();
  }
  return changed;
}
