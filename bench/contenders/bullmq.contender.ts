import { join } from 'node:path';
import type { Contender, DrainResult, RunContext } from '../contender';
import { createDatabase, databaseName } from '../support/cleanup';
import { now } from '../support/clock';
import { ProbeClient } from '../support/completion-probe';
import { drainTimeoutMs, SETUP_TIMEOUT_MS } from '../support/deadlines';
import { LatencyRecorder, pace, windowed } from '../support/load';
import { ManagedProcess } from '../support/managed-process';
import { OwnRedis, startRedisServer } from '../support/redis-server';
import { redisConnection } from '../support/services';
import { BenchQueue, BullmqStore, openQueue } from './bullmq.store';

/** addBulk calls unfinished at once, as for Cask's dispatchMany. */
const BULK_WIDTH = 4;

/** Makes the store a run's queue lives in, and takes down what it started. */
interface StoreProvider {
  open(ctx: RunContext): Promise<BullmqStore>;
  /** Processes of the store that the bench started for this run, by role (counted for CPU and RSS). */
  processes(): Record<string, number>;
  close(): Promise<void>;
}

/** The shared local Redis (no persistence): the queue's keys are removed after the run. */
const sharedRedis = (): StoreProvider => ({
  async open(ctx) {
    ctx.track({ kind: 'bullmq-queue', name: ctx.prefix });
    const { host, port } = redisConnection();
    return { kind: 'redis', host, port };
  },
  processes: () => ({}),
  close: async () => undefined,
});

/**
 * A redis-server of the run's own that logs every write and fsyncs once a second, Redis's durable setting
 * (a crash loses at most about a second of jobs) with no RDB snapshots; its data folder goes with it.
 */
const aofRedis = (): StoreProvider => {
  let redis: OwnRedis | undefined;
  return {
    async open(ctx) {
      redis = await startRedisServer(ctx, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '']);
      return { kind: 'redis', host: redis.host, port: redis.port };
    },
    processes: (): Record<string, number> => (redis ? { 'redis-aof': redis.server.pid } : {}),
    close: async () => void (await redis?.server.stop()),
  };
};

/** A fresh PostgreSQL database, as for Cask's PostgreSQL row, through BullMQ's PostgreSQL backend. */
const freshPostgres = (): StoreProvider => ({
  async open(ctx) {
    const name = databaseName(ctx.prefix);
    ctx.track({ kind: 'postgres-database', name });
    return { kind: 'postgres', connectionString: await createDatabase(name) };
  },
  processes: () => ({}),
  close: async () => undefined,
});

/**
 * BullMQ: no-op jobs added one by one and in bulk, a Worker with the shared concurrency in a child
 * process, on the store its provider makes. Completed jobs are kept (BullMQ's default), as Cask keeps its
 * job rows.
 */
class BullmqContender implements Contender {
  private queue?: BenchQueue;
  private worker?: ManagedProcess;
  private probe?: ProbeClient;
  private seq = 0;
  private done = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly store: StoreProvider,
  ) {}

  async setUp(): Promise<void> {
    const name = this.ctx.prefix;
    const store = await this.store.open(this.ctx);
    this.queue = openQueue(name, store);
    await this.queue.waitUntilReady();
    this.worker = ManagedProcess.fork('BullMQ worker', join(__dirname, 'bullmq.worker.js'), {}, [
      name,
      String(this.ctx.options.concurrency),
      JSON.stringify(store),
    ]);
    this.ctx.trackPid(this.worker.pid);
    this.probe = new ProbeClient(this.worker);
    await this.worker.waitForMessage((m) => m.type === 'ready', SETUP_TIMEOUT_MS, 'ready');
    await this.drain(this.ctx.options.warmupJobs);
  }

  private data(intendedAt: number): { fail_times: number; seq: number; sent_at: number } {
    return { fail_times: 0, seq: this.seq++, sent_at: intendedAt };
  }

  /** One `add` per job with a window of unfinished ones, as Cask's `dispatch`. */
  drain(jobs: number): Promise<DrainResult> {
    const queue = this.queue as BenchQueue;
    return this.timedDrain(jobs, () => windowed(jobs, this.ctx.options.inFlight, () => queue.add('noop', this.data(now()))));
  }

  /** `addBulk` calls, as Cask's `dispatchMany`. */
  drainBulk(jobs: number): Promise<DrainResult> {
    const queue = this.queue as BenchQueue;
    const size = this.ctx.options.batchSize;
    return this.timedDrain(jobs, () =>
      windowed(Math.ceil(jobs / size), BULK_WIDTH, (i) =>
        queue.addBulk(Array.from({ length: Math.min(size, jobs - i * size) }, () => ({ name: 'noop', data: this.data(now()) }))),
      ),
    );
  }

  private async timedDrain(jobs: number, enqueue: () => Promise<unknown>): Promise<DrainResult> {
    this.done += jobs;
    const start = now();
    await enqueue();
    const enqueued = now();
    const finished = await (this.probe as ProbeClient).reach(this.done, drainTimeoutMs(jobs));
    return { jobs, enqueueMs: enqueued - start, totalMs: finished - start };
  }

  async latency(rate: number, seconds: number): Promise<{ latencies: number[]; offered: number }> {
    const queue = this.queue as BenchQueue;
    const recorder = new LatencyRecorder<number>();
    const firstSeq = this.seq;
    const offered = await pace(rate, seconds * 1000, (_i, at) => {
      const data = this.data(at);
      recorder.start(data.seq, at);
      queue.add('noop', data).catch((err: Error) => this.ctx.log(`add failed: ${err.message}`));
    });
    this.done += offered;
    await (this.probe as ProbeClient).reach(this.done, drainTimeoutMs(offered));
    for (const [seq, at] of await (this.probe as ProbeClient).dump(firstSeq)) recorder.finish(seq, at);
    return { latencies: recorder.latencies(), offered };
  }

  processes(): Record<string, number> {
    return { producer: process.pid, worker: this.worker?.pid ?? 0, ...this.store.processes() };
  }

  async tearDown(): Promise<void> {
    await this.worker?.stop();
    await this.queue?.close();
    await this.store.close();
  }
}

export const createBullmqContender = (ctx: RunContext): Contender => new BullmqContender(ctx, sharedRedis());
export const createBullmqAofContender = (ctx: RunContext): Contender => new BullmqContender(ctx, aofRedis());
export const createBullmqPostgresContender = (ctx: RunContext): Contender => new BullmqContender(ctx, freshPostgres());
