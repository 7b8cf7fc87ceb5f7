import { createPostgresBackend, Queue, Worker } from 'bullmq';
import type { Processor } from 'bullmq';

/**
 * Where a run's BullMQ queue lives: a Redis (the shared one, or one the bench started with AOF on) or a
 * PostgreSQL database through BullMQ's PostgreSQL backend. Plain data, so the worker child gets it as JSON.
 */
export type BullmqStore = { kind: 'redis'; host: string; port: number } | { kind: 'postgres'; connectionString: string };

/** What the bench uses of a Queue, whatever its backend. */
export type BenchQueue = Pick<Queue, 'add' | 'addBulk' | 'waitUntilReady' | 'close'>;
/** A running Worker, whatever its backend. */
export interface BenchWorker {
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}

const redisOptions = (store: { host: string; port: number }) => ({ host: store.host, port: store.port, maxRetriesPerRequest: null });

/**
 * The producer side. On PostgreSQL it installs BullMQ's schema (`migrate: true`), which the worker, started
 * after it, then only checks.
 */
export function openQueue(name: string, store: BullmqStore): BenchQueue {
  if (store.kind === 'redis') return new Queue(name, { connection: redisOptions(store) });
  return new Queue(name, { connection: { connectionString: store.connectionString, migrate: true } }, createPostgresBackend);
}

/** The worker side: `onCompleted` gets each job's data when its `completed` event fires. */
export function openWorker(
  name: string,
  store: BullmqStore,
  concurrency: number,
  processor: Processor,
  onCompleted: (data: unknown) => void,
): BenchWorker {
  const onError = (err: Error) => console.error(`worker error: ${err.message}`);
  if (store.kind === 'redis') {
    const worker = new Worker(name, processor, { connection: redisOptions(store), concurrency });
    worker.on('completed', (job) => onCompleted(job.data));
    worker.on('error', onError);
    return worker;
  }
  const worker = new Worker(
    name,
    processor,
    { connection: { connectionString: store.connectionString }, concurrency },
    createPostgresBackend,
  );
  worker.on('completed', (job) => onCompleted(job.data));
  worker.on('error', onError);
  return worker;
}
