import { Logger, run } from 'graphile-worker';
import { Pool } from 'pg';
import { exitWithParent, tellParent } from '../support/child-side';
import { CompletionProbe } from '../support/completion-probe';
import { observingClient } from '../support/observed-pg';
import { GRAPHILE_TASK } from './graphile-worker.contender';

/** graphile-worker completes a job by deleting its row: `delete from <schema>._private_jobs … where id = $1` (or `= any of $1`). */
const COMPLETE_JOBS = /^\s*(with j as \(\s*)?delete from \S+\._private_jobs\b/i;

/**
 * graphile-worker's runner for no-op jobs, `concurrency` at once. Its `job:complete` event fires as the
 * row's delete is sent, not when it is done, so a job's result is visible when the delete has committed,
 * which the pool's client reports. argv: <database URL> <concurrency>
 */
async function main(): Promise<void> {
  const [connectionString, concurrencyText] = process.argv.slice(2);
  const concurrency = Number(concurrencyText);
  const probe = new CompletionProbe();
  const running = new Map<string, number>();
  const Client = observingClient(COMPLETE_JOBS, (values) => {
    for (const id of ([] as unknown[]).concat(values[0])) {
      const seq = running.get(String(id));
      if (seq === undefined) continue;
      running.delete(String(id));
      probe.record(seq);
    }
  });
  // graphile-worker's own pool would be `maxPoolSize` (10) connections; it warns below `concurrency`, so one
  // per job at once and one for its LISTEN.
  const pgPool = new Pool({ connectionString, max: concurrency + 1, Client });
  pgPool.on('error', (err) => console.error(`pool error: ${err.message}`));
  pgPool.on('connect', (client) => client.on('error', (err) => console.error(`client error: ${err.message}`)));
  const runner = await run({
    pgPool,
    concurrency,
    noHandleSignals: true,
    logger: new Logger(() => (level, message) => {
      if (level === 'error' || level === 'warning') console.error(message);
    }),
    taskList: {
      [GRAPHILE_TASK]: async (payload, helpers) => {
        running.set(helpers.job.id, (payload as { seq: number }).seq);
      },
    },
  });
  exitWithParent(async () => {
    await runner.stop();
    await pgPool.end();
  });
  tellParent({ type: 'ready' });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
