import { PgBoss } from 'pg-boss';
import { join } from 'node:path';
import type { Contender, RunContext } from '../contender';
import { createDatabase, databaseName } from '../support/cleanup';
import { LibraryContender } from './library.contender';

/** The queue every job goes to (the database is the run's own). */
export const PG_BOSS_QUEUE = 'noop';

/**
 * pg-boss on a fresh PostgreSQL database: `send` one by one and `insert` in bulk from an instance in the
 * runner process (which installs pg-boss's schema), `work` in a child. The queue has `notify` on, so a
 * send wakes the worker at once instead of at its next poll. Completed jobs are kept (pg-boss keeps them
 * for a week by default), as Cask keeps its job rows.
 */
export const createPgBossContender = (ctx: RunContext): Contender =>
  new LibraryContender(ctx, async () => {
    const name = databaseName(ctx.prefix);
    ctx.track({ kind: 'postgres-database', name });
    const connectionString = await createDatabase(name);
    // A producer slower than the offered rate queues its sends, as every other contender's does, rather
    // than dropping those that waited 10 s (pg-boss's default) for one of its pool's connections.
    const boss = new PgBoss({ connectionString, schedule: false, connectionTimeoutMillis: 0 });
    boss.on('error', (err) => ctx.log(`pg-boss error: ${err.message}`));
    await boss.start();
    await boss.createQueue(PG_BOSS_QUEUE, { notify: true });
    return {
      producer: {
        add: (job) => boss.send(PG_BOSS_QUEUE, job),
        addBulk: (jobs) =>
          boss.insert(
            PG_BOSS_QUEUE,
            jobs.map((data) => ({ data })),
          ),
        close: () => boss.stop({ graceful: false }),
      },
      worker: {
        label: 'pg-boss worker',
        script: join(__dirname, 'pg-boss.worker.js'),
        args: [connectionString, String(ctx.options.concurrency)],
      },
    };
  });
