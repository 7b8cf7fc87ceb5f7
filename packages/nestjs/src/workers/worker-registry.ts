import { PACK_FORMAT } from '@cask/contracts';
import type { WorkerHeartbeat } from '@cask/contracts';
import type { Kysely, Selectable } from 'kysely';
import type { Database, WorkersTable } from '../store/schema';

/** A worker as its last heartbeat described it; `lastSeen` is when the api received that heartbeat. */
export type WorkerRow = Selectable<WorkersTable>;

/** The `workers` table: one row per worker that sent a heartbeat and has not said goodbye or timed out. */
export class WorkerRegistry {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records a heartbeat received at `now` (the api's clock, so workers' clocks do not matter). */
  async record(heartbeat: WorkerHeartbeat, now: number): Promise<void> {
    const row = {
      host: heartbeat.host,
      pid: heartbeat.pid,
      queues: JSON.stringify(heartbeat.queues),
      concurrency: heartbeat.concurrency,
      in_flight: heartbeat.in_flight,
      started_at: heartbeat.started_at,
      last_seen: now,
      formats: heartbeat.formats ? JSON.stringify(heartbeat.formats) : null,
    };
    await this.db
      .insertInto('workers')
      .values({ id: heartbeat.worker_id, ...row })
      .onConflict((conflict) => conflict.column('id').doUpdateSet(row))
      .execute();
  }

  /** Forgets a worker that said goodbye. */
  async forget(workerId: string): Promise<void> {
    await this.db.deleteFrom('workers').where('id', '=', workerId).execute();
  }

  /** Workers heard from after `since`, by id. */
  async heardSince(since: number): Promise<WorkerRow[]> {
    return this.db.selectFrom('workers').selectAll().where('last_seen', '>', since).orderBy('id').execute();
  }

  /**
   * The queues whose every worker heard from after `since` reads job packs (format 2), and that have one.
   * A queue with a worker that reads only format 1 (an older release) is left out.
   */
  async packableQueues(since: number): Promise<Set<string>> {
    const rows = await this.db.selectFrom('workers').select(['queues', 'formats']).where('last_seen', '>', since).execute();
    const packable = new Set<string>();
    const refused = new Set<string>();
    for (const row of rows) {
      const readsPacks = row.formats !== null && (JSON.parse(row.formats) as number[]).includes(PACK_FORMAT);
      for (const queue of JSON.parse(row.queues) as string[]) (readsPacks ? packable : refused).add(queue);
    }
    for (const queue of refused) packable.delete(queue);
    return packable;
  }

  /** Workers not heard from since `before`, by id. */
  async silentSince(before: number): Promise<string[]> {
    const rows = await this.db.selectFrom('workers').select('id').where('last_seen', '<=', before).orderBy('id').execute();
    return rows.map((row) => row.id);
  }

  /** Forgets workers not heard from since `before`; resolves how many. */
  async forgetSilent(before: number): Promise<number> {
    const result = await this.db.deleteFrom('workers').where('last_seen', '<=', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
