import { PgBoss } from 'pg-boss';
import type { ConstructorOptions } from 'pg-boss';
import { exitWithParent, tellParent } from '../support/child-side';
import { CompletionProbe } from '../support/completion-probe';
import { observingClient } from '../support/observed-pg';
import { PG_BOSS_QUEUE } from './pg-boss.contender';

/** pg-boss marks a batch completed with one UPDATE … SET completed_on …, state = 'completed' … WHERE id = ANY($2). */
const COMPLETE_JOBS = /SET completed_on\b[\s\S]*state = 'completed'/;

/**
 * pg-boss's worker for no-op jobs. `work` runs `localConcurrency` fetch loops of `batchSize` jobs each, so
 * the jobs it holds at once are their product: here one loop of the bench's concurrency (50 jobs fetched,
 * run and settled together), which drained faster than five loops of ten in trials. pg-boss settles a
 * batch itself after the handler returns; a job's result is visible when that UPDATE has committed, which
 * the pool's client reports (pg-boss has no completion event). argv: <database URL> <concurrency>
 */
async function main(): Promise<void> {
  const [connectionString, concurrency] = process.argv.slice(2);
  const probe = new CompletionProbe();
  const running = new Map<string, number>();
  const Client = observingClient(COMPLETE_JOBS, (values) => {
    for (const id of values[1] as string[]) {
      const seq = running.get(id);
      if (seq === undefined) continue;
      running.delete(id);
      probe.record(seq);
    }
  });
  // `Client` goes through to node-postgres's Pool, which pg-boss builds from these options.
  const boss = new PgBoss({ connectionString, useListenNotify: true, schedule: false, Client } as ConstructorOptions);
  boss.on('error', (err) => console.error(`pg-boss error: ${err.message}`));
  exitWithParent(() => boss.stop({ graceful: false }));
  await boss.start();
  // A full batch means more are waiting: fetch again at once rather than at the next notification or poll.
  await boss.work<{ seq: number }>(
    PG_BOSS_QUEUE,
    { localConcurrency: 1, batchSize: Number(concurrency), burstWhenBatchFull: true },
    async (jobs) => {
      for (const job of jobs) running.set(job.id, job.data.seq);
    },
  );
  tellParent({ type: 'ready' });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
