import type { BenchOptions } from './support/bench-options';

/** How every figure is measured, written into each results file beside the numbers. */
export const METHOD = (o: BenchOptions): string[] => [
  `Each contender runs in a fresh runner process with fresh children, queues, namespace and database per run; ` +
    `runs interleave contenders. A warm-up of ${o.warmupJobs} jobs precedes the measurements.`,
  `Drain jobs/s: ${o.drainJobs} no-op jobs dispatched as fast as the contender accepts them (one by one with ${o.inFlight} unfinished at once, ` +
    `bulk producers ${o.batchSize} per call, HTTP through autocannon with ${o.httpConnections} connections), workers already running; ` +
    `jobs ÷ (last result visible − first dispatch). Enqueue jobs/s: jobs ÷ (last dispatch accepted − first dispatch); for HTTP rows, 2xx responses per second.`,
  `Latency: ${o.rate} jobs/s offered open-loop for ${o.latencySeconds} s, each job timed from its intended dispatch time to its result becoming visible: ` +
    "amqplib, the result message reaching the result consumer; Cask, the succeeded event committed to the store (the api's JobEventBus in-process, " +
    "the GET /events stream over HTTP); BullMQ, the worker's `completed` event (after the result is written to its store, Redis or PostgreSQL); " +
    "pg-boss, its UPDATE marking the job completed committed; graphile-worker, its delete of the job's row committed (both as seen by the worker's " +
    'database client: neither library has an event for it); Nest RMQ (one-way), the handler running; bare endpoint, the HTTP response.',
  'Durable peers: BullMQ on a redis-server the bench starts for the run with appendonly yes, appendfsync everysec and no RDB snapshots; ' +
    'BullMQ on its PostgreSQL backend; pg-boss (send / insert, a queue with notify, work with batchSize = the concurrency and burstWhenBatchFull); ' +
    'graphile-worker (addJob / addJobs, run with concurrency, otherwise defaults); each in a fresh PostgreSQL database with synchronous_commit as the server has it, ' +
    'the producer in the runner process and the worker in a child. Redis-without-persistence BullMQ stays as the issue 5 reference.',
  `Workers run ${o.concurrency} jobs at once: BullMQ and graphile-worker concurrency, pg-boss batchSize, AMQP prefetch for amqplib and Nest RMQ, WORKER_CONCURRENCY for Cask.`,
  'Cask: the no-op job is the shipped example demo.flaky with fail_times 0. Through the AsyncDispatcher, ApiModule runs inside the bench process ' +
    '(so its RSS includes the bench driver) with the built worker as a child; over HTTP, the built api and worker are both children.',
  'amqplib limit: classic priority queue for jobs and quorum queue for results, as Cask declares its own; persistent messages on confirm channels; ' +
    'the worker acks a job once its result is confirmed.',
  'Nest RMQ: Transport.RMQ with a durable queue, persistent messages, noAck false and a manual ack in the @EventPattern handler; ' +
    'ClientRMQ.emit (confirmed publish); otherwise Nest defaults. One-way: there is no result message.',
  'Peak RSS: VmHWM of each process from /proc, read at the end of the run.',
];
