import { makeWorkerUtils } from 'graphile-worker';
import { join } from 'node:path';
import type { Contender, RunContext } from '../contender';
import { createDatabase, databaseName } from '../support/cleanup';
import { LibraryContender } from './library.contender';

/** The task every job names. */
export const GRAPHILE_TASK = 'noop';

/**
 * graphile-worker on a fresh PostgreSQL database: `addJob` one by one and `addJobs` in bulk through
 * WorkerUtils in the runner process (which installs graphile-worker's schema), `run` in a child with the
 * bench's concurrency; otherwise graphile-worker's defaults. A job's row is deleted once it succeeds:
 * graphile-worker keeps no completed jobs.
 */
export const createGraphileWorkerContender = (ctx: RunContext): Contender =>
  new LibraryContender(ctx, async () => {
    const name = databaseName(ctx.prefix);
    ctx.track({ kind: 'postgres-database', name });
    const connectionString = await createDatabase(name);
    const utils = await makeWorkerUtils({ connectionString });
    await utils.migrate();
    return {
      producer: {
        add: (job) => utils.addJob(GRAPHILE_TASK, job),
        addBulk: (jobs) => utils.addJobs(jobs.map((payload) => ({ identifier: GRAPHILE_TASK, payload }))),
        close: () => Promise.resolve(utils.release()),
      },
      worker: {
        label: 'graphile-worker',
        script: join(__dirname, 'graphile-worker.worker.js'),
        args: [connectionString, String(ctx.options.concurrency)],
        // graphile-worker's switch for its per-job "Completed task …" line.
        env: { NO_LOG_SUCCESS: '1' },
      },
    };
  });
