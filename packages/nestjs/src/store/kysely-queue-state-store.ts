import type { Kysely } from 'kysely';
import type { CaskDatabase } from './cask-database';
import { outboxRow } from './job-rows';
import type { OutboxMessage } from './job-record';
import { QueueActivity, QueueState, QueueStateStore } from './queue-state-store';
import type { Database } from './schema';

/** Most start times read per call to time the waits of recent jobs. */
const WAIT_SAMPLE = 1000;

/** Queue states over Kysely. */
export class KyselyQueueStateStore extends QueueStateStore {
  constructor(private readonly database: CaskDatabase) {
    super();
  }

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  override async setQueueState(state: QueueState, command: OutboxMessage): Promise<void> {
    const row = { queue: state.queue, paused: state.paused ? 1 : 0, changed_at: state.changedAt };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('queue_states')
        .values(row)
        .onConflict((oc) => oc.column('queue').doUpdateSet({ paused: row.paused, changed_at: row.changed_at }))
        .execute();
      await trx.insertInto('outbox').values(outboxRow(command)).execute();
    });
  }

  override async queueStates(): Promise<QueueState[]> {
    const rows = await this.db.selectFrom('queue_states').selectAll().orderBy('queue').execute();
    return rows.map((row) => ({ queue: row.queue, paused: Number(row.paused) === 1, changedAt: Number(row.changed_at) }));
  }

  override async queueActivity(since: number): Promise<QueueActivity[]> {
    const [counts, finished, started] = await Promise.all([
      this.db
        .selectFrom('jobs')
        .select((eb) => ['queue', 'status', eb.fn.countAll<number>().as('count')])
        .where('status', 'in', ['queued', 'scheduled', 'running', 'retrying'])
        .groupBy(['queue', 'status'])
        .execute(),
      this.db
        .selectFrom('jobs')
        .select((eb) => ['queue', eb.fn.countAll<number>().as('count')])
        .where('finished_at', '>=', since)
        .where('status', 'in', ['succeeded', 'failed'])
        .groupBy('queue')
        .execute(),
      this.db
        .selectFrom('jobs')
        .select(['queue', 'started_at', 'created_at', 'run_at'])
        .where('started_at', '>=', since)
        .orderBy('started_at', 'desc')
        .limit(WAIT_SAMPLE)
        .execute(),
    ]);
    const byQueue = new Map<string, QueueActivity>();
    const of = (queue: string) => byQueue.get(queue) ?? byQueue.set(queue, { queue, counts: {}, finished: 0, waitsMs: [] }).get(queue)!;
    for (const row of counts) of(row.queue).counts[row.status as keyof QueueActivity['counts']] = Number(row.count);
    for (const row of finished) of(row.queue).finished = Number(row.count);
    for (const row of started) {
      const due = Math.max(Number(row.created_at), row.run_at === null ? 0 : Number(row.run_at));
      of(row.queue).waitsMs.push(Math.max(0, Number(row.started_at) - due));
    }
    return [...byQueue.values()];
  }
}
