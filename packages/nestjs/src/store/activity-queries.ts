import { Kysely, sql } from 'kysely';
import type { MinuteCounts } from './job-record';
import type { Database } from './schema';

const MINUTE_MS = 60_000;
/** Outcomes the activity counts: a cancel is an operator's decision, not work done. */
const OUTCOMES = ['succeeded', 'failed'] as const;

/**
 * The tenant's jobs that finished `succeeded` or `failed` at or after `since`, counted per minute, oldest
 * first; minutes without any are left out. Served by the `jobs_tenant_finished` index alone.
 */
export async function finishedPerMinute(db: Kysely<Database>, tenant: string, since: number): Promise<MinuteCounts[]> {
  const rows = await db
    .selectFrom('jobs')
    // Integer division in both SQLite (integer columns) and PostgreSQL (bigint / integer).
    .select((eb) => [sql<number>`finished_at / ${sql.lit(MINUTE_MS)}`.as('minute'), 'status', eb.fn.countAll<number>().as('count')])
    .where('tenant', '=', tenant)
    .where('finished_at', '>=', since)
    .where('status', 'in', OUTCOMES)
    .groupBy(['minute', 'status'])
    .execute();
  const minutes = new Map<number, MinuteCounts>();
  for (const row of rows) {
    const minute = Number(row.minute) * MINUTE_MS;
    const counts = minutes.get(minute) ?? { minute, succeeded: 0, failed: 0 };
    counts[row.status as (typeof OUTCOMES)[number]] += Number(row.count);
    minutes.set(minute, counts);
  }
  return [...minutes.values()].sort((a, b) => a.minute - b.minute);
}

/**
 * How long the tenant's latest jobs finished at or after `since` ran, `started_at` (their last attempt's
 * start) to `finished_at` in ms, newest first, at most `limit`. Reads the index backwards: no sort, whatever the volume.
 */
export async function recentDurations(db: Kysely<Database>, tenant: string, since: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('jobs')
    .select(['started_at', 'finished_at'])
    .where('tenant', '=', tenant)
    .where('finished_at', '>=', since)
    .where('status', 'in', OUTCOMES)
    .where('started_at', 'is not', null)
    .orderBy('finished_at', 'desc')
    .limit(limit)
    .execute();
  // Start and finish come from one worker's clock; a negative difference can only be a clock step.
  return rows.map((row) => Math.max(0, Number(row.finished_at) - Number(row.started_at)));
}

/**
 * When the tenant's longest-waiting `queued` job became queued (its last change), or undefined when none
 * is. A redriven or delayed job counts from when it was queued again, not from its creation.
 */
export async function oldestQueuedSince(db: Kysely<Database>, tenant: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('updated_at').as('since'))
    .where('tenant', '=', tenant)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return row?.since === null || row?.since === undefined ? undefined : Number(row.since);
}
