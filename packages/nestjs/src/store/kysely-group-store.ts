import { TERMINAL_STATUSES } from '@cask/contracts';
import { type Kysely, type Transaction, sql } from 'kysely';
import type { CaskDatabase } from './cask-database';
import { GroupInfo, GroupQuery, GroupStore, ReleaseLimits, ReleasePass } from './group-store';
import type { OutboxMessage } from './job-record';
import { outboxRow, traceFromColumn } from './job-rows';
import type { Database } from './schema';

const TERMINAL: readonly string[] = TERMINAL_STATUSES;
/** Job ids per `IN (...)`: under both databases' parameter limits. */
const CHUNK = 500;

/** A candidate group of a pass, with what it may still let go. */
interface Turn {
  id: string;
  fifo: boolean;
  room: number;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Groups over Kysely. */
export class KyselyGroupStore extends GroupStore {
  constructor(private readonly database: CaskDatabase) {
    super();
  }

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  override release(queue: string, now: number, limits: ReleaseLimits): Promise<ReleasePass> {
    return this.db.transaction().execute(async (trx) => {
      // One pass per queue at a time across api instances: two passes reading the same counts would let go
      // twice what a group allows. SQLite has one writer anyway.
      if (this.database.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`cask.groups:${queue}`}))`.execute(trx);
      const counted = await countReleased(trx, queue, now);
      const free = limits.buffer - counted.unstarted;
      // The buffer is full: nothing can go, whatever waits.
      if (free <= 0) return { released: [], waiting: await anyWaiting(trx, queue) };
      const waiting = await trx
        .selectFrom('job_groups as g')
        .select(['g.id', 'g.fifo', 'g.concurrency', 'g.rate_limit'])
        .where('g.queue', '=', queue)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('group_jobs as h')
              .select('h.job_id')
              .whereRef('h.group_id', '=', 'g.id')
              .where('h.released_at', 'is', null)
              .where('h.due_at', '<=', now),
          ),
        )
        .orderBy(sql`coalesce(g.last_released_at, 0)`)
        .orderBy('g.id')
        .limit(free)
        .execute();
      // None due now; delayed ones may still wait.
      if (waiting.length === 0) return { released: [], waiting: await anyWaiting(trx, queue) };
      const turns: Turn[] = [];
      for (const group of waiting) {
        const active = counted.active.get(group.id) ?? 0;
        const recent = counted.recent.get(group.id) ?? 0;
        const room = Math.min(
          group.concurrency === null ? Infinity : Number(group.concurrency) - active,
          group.rate_limit === null ? Infinity : Number(group.rate_limit) - recent,
        );
        if (room > 0) turns.push({ id: group.id, fifo: Number(group.fifo) === 1, room });
      }
      const released = await releaseInTurn(trx, turns, free, now, limits.leaseMs);
      return { released, waiting: true };
    });
  }

  override async queuesWaiting(): Promise<string[]> {
    const rows = await this.db.selectFrom('group_jobs').select('queue').distinct().where('released_at', 'is', null).execute();
    return rows.map((row) => row.queue);
  }

  override async groups(query: GroupQuery): Promise<GroupInfo[]> {
    let select = this.db.selectFrom('job_groups').selectAll().where('tenant', '=', query.tenant).orderBy('queue').orderBy('key');
    if (query.queue !== undefined) select = select.where('queue', '=', query.queue);
    const after = query.after;
    if (after !== undefined) {
      select = select.where((eb) =>
        eb.or([eb('queue', '>', after.queue), eb.and([eb('queue', '=', after.queue), eb('key', '>', after.key)])]),
      );
    }
    const groups = await select.limit(query.limit).execute();
    if (groups.length === 0) return [];
    const now = Date.now();
    // Counted by the database: a group's backlog can be long, and the dashboard asks every few seconds.
    const finished = sql<boolean>`(j.status is null or j.status in (${sql.join(TERMINAL)}))`;
    const rows = await this.db
      .selectFrom('group_jobs as r')
      .innerJoin('job_groups as g', 'g.id', 'r.group_id')
      .leftJoin('jobs as j', 'j.id', 'r.job_id')
      .select([
        'r.group_id',
        sql<number>`sum(case when r.released_at is null and not ${finished} then 1 else 0 end)`.as('waiting'),
        sql<number>`sum(case when r.released_at is not null and not ${finished} then 1 else 0 end)`.as('active'),
        sql<number>`sum(case when r.released_at > ${now} - g.rate_per_ms then 1 else 0 end)`.as('recent'),
      ])
      .where(
        'r.group_id',
        'in',
        groups.map((group) => group.id),
      )
      .groupBy('r.group_id')
      .execute();
    const counts = new Map(
      rows.map((row) => [row.group_id, { waiting: Number(row.waiting), active: Number(row.active), recent: Number(row.recent) }]),
    );
    const none = { waiting: 0, active: 0, recent: 0 };
    return groups.map((group) => ({
      key: group.key,
      queue: group.queue,
      tenant: group.tenant,
      ...(counts.get(group.id) ?? none),
      concurrency: group.concurrency === null ? null : Number(group.concurrency),
      rate: group.rate_limit === null ? null : { limit: Number(group.rate_limit), perMs: Number(group.rate_per_ms) },
      fifo: Number(group.fifo) === 1,
      lastReleasedAt: group.last_released_at === null ? null : Number(group.last_released_at),
    }));
  }

  override async purgeIdle(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('job_groups')
      .where('updated_at', '<', before)
      .where((eb) => eb.or([eb('last_released_at', 'is', null), eb('last_released_at', '<', before)]))
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('group_jobs').select('group_jobs.job_id').whereRef('group_jobs.group_id', '=', 'job_groups.id'))),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/**
 * Reads what counts against the queue's groups: jobs let go and not finished (`active`), let go within each
 * group's rate window (`recent`), and let go and not started (`unstarted`, against the buffer). Rows that no
 * longer count (the job finished, and past the rate window) are deleted.
 */
async function countReleased(
  trx: Transaction<Database>,
  queue: string,
  now: number,
): Promise<{ active: Map<string, number>; recent: Map<string, number>; unstarted: number }> {
  const rows = await trx
    .selectFrom('group_jobs as r')
    .innerJoin('job_groups as g', 'g.id', 'r.group_id')
    .leftJoin('jobs as j', 'j.id', 'r.job_id')
    .select(['r.job_id', 'r.group_id', 'r.released_at', 'g.rate_per_ms', 'j.status'])
    .where('r.queue', '=', queue)
    .where('r.released_at', 'is not', null)
    .execute();
  const active = new Map<string, number>();
  const recent = new Map<string, number>();
  const done: string[] = [];
  let unstarted = 0;
  for (const row of rows) {
    const inWindow = row.rate_per_ms !== null && Number(row.released_at) > now - Number(row.rate_per_ms);
    if (inWindow) recent.set(row.group_id, (recent.get(row.group_id) ?? 0) + 1);
    // A purged job has finished long ago.
    const finished = row.status === null || TERMINAL.includes(row.status);
    if (!finished) {
      active.set(row.group_id, (active.get(row.group_id) ?? 0) + 1);
      if (row.status === 'queued' || row.status === 'scheduled') unstarted += 1;
    } else if (!inWindow) {
      done.push(row.job_id);
    }
  }
  for (const ids of chunks(done)) await trx.deleteFrom('group_jobs').where('job_id', 'in', ids).execute();
  return { active, recent, unstarted };
}

/**
 * Lets go up to `free` jobs, a share of what is left to each group in turn, each group's in dispatch order; a
 * fifo group only its oldest job, once due. Jobs cancelled while they waited are dropped from their group.
 */
async function releaseInTurn(
  trx: Transaction<Database>,
  turns: Turn[],
  free: number,
  now: number,
  leaseMs: number,
): Promise<OutboxMessage[]> {
  const released: OutboxMessage[] = [];
  let left = free;
  let open = turns;
  for (let round = 0; round < 4 && left > 0 && open.length > 0; round++) {
    const share = Math.ceil(left / open.length);
    const next: Turn[] = [];
    for (const turn of open) {
      if (left <= 0) break;
      const take = Math.min(share, turn.room, left);
      let select = trx
        .selectFrom('group_jobs as h')
        .leftJoin('jobs as j', 'j.id', 'h.job_id')
        .select(['h.job_id', 'h.queue', 'h.due_at', 'h.message_id', 'h.body', 'h.priority', 'h.request_id', 'h.trace', 'j.status'])
        .where('h.group_id', '=', turn.id)
        .where('h.released_at', 'is', null)
        .orderBy('h.created_at')
        .orderBy('h.job_id')
        .limit(turn.fifo ? 1 : take);
      // A fifo group's oldest job goes first even when a later one is due sooner.
      if (!turn.fifo) select = select.where('h.due_at', '<=', now);
      const rows = await select.execute();
      const gone = rows.filter((row) => row.status === null || TERMINAL.includes(row.status));
      if (gone.length > 0) {
        await trx
          .deleteFrom('group_jobs')
          .where(
            'job_id',
            'in',
            gone.map((row) => row.job_id),
          )
          .execute();
      }
      const going = rows.filter((row) => !gone.includes(row) && Number(row.due_at) <= now);
      if (going.length > 0) {
        const messages = going.map<OutboxMessage>((row) => ({
          id: row.message_id,
          jobId: row.job_id,
          routingKey: row.queue,
          body: row.body,
          priority: Number(row.priority),
          createdAt: now,
          availableAt: now + leaseMs,
          requestId: row.request_id ?? undefined,
          trace: traceFromColumn(row.trace) ?? undefined,
        }));
        await trx.insertInto('outbox').values(messages.map(outboxRow)).execute();
        await trx
          .updateTable('group_jobs')
          .set({ released_at: now })
          .where(
            'job_id',
            'in',
            going.map((row) => row.job_id),
          )
          .execute();
        await trx.updateTable('job_groups').set({ last_released_at: now }).where('id', '=', turn.id).execute();
        released.push(...messages);
        left -= going.length;
        turn.room -= going.length;
      }
      // Cancelled jobs dropped: the group may have more waiting behind them.
      const more = gone.length > 0 || (going.length === take && !turn.fifo);
      if (turn.room > 0 && more) next.push(turn);
    }
    open = next;
  }
  return released;
}

async function anyWaiting(trx: Transaction<Database>, queue: string): Promise<boolean> {
  const row = await trx
    .selectFrom('group_jobs')
    .select('job_id')
    .where('queue', '=', queue)
    .where('released_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
