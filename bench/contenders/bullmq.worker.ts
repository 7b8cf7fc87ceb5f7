import { exitWithParent, tellParent } from '../support/child-side';
import { CompletionProbe } from '../support/completion-probe';
import { BullmqStore, openWorker } from './bullmq.store';

/**
 * BullMQ's worker for no-op jobs; a job's result is visible when the worker's `completed` event fires,
 * after the result is written to the store (Redis, or PostgreSQL through BullMQ's PostgreSQL backend).
 * argv: <queue name> <concurrency> <store as JSON (BullmqStore)>
 */
async function main(): Promise<void> {
  const [name, concurrency, storeJson] = process.argv.slice(2);
  const probe = new CompletionProbe();
  const worker = openWorker(
    name,
    JSON.parse(storeJson) as BullmqStore,
    Number(concurrency),
    async () => ({ attempts: 1 }),
    (data) => probe.record((data as { seq: number }).seq),
  );
  exitWithParent(() => worker.close());
  await worker.waitUntilReady();
  tellParent({ type: 'ready' });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
