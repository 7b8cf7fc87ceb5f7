import { Worker } from 'bullmq';
import { exitWithParent, tellParent } from '../support/child-side';
import { CompletionProbe } from '../support/completion-probe';
import { redisConnection } from '../support/services';

/**
 * BullMQ's worker for no-op jobs; a job's result is visible when the worker's `completed` event fires,
 * after the result is written to Redis. argv: <queue name> <concurrency>
 */
async function main(): Promise<void> {
  const [name, concurrency] = process.argv.slice(2);
  const probe = new CompletionProbe();
  const worker = new Worker(name, async () => ({ attempts: 1 }), { connection: redisConnection(), concurrency: Number(concurrency) });
  worker.on('completed', (job) => probe.record((job.data as { seq: number }).seq));
  worker.on('error', (err) => console.error(`worker error: ${err.message}`));
  exitWithParent(() => worker.close());
  await worker.waitUntilReady();
  tellParent({ type: 'ready' });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
