import { Queue } from 'bullmq';
import { join } from 'node:path';
import type { Contender, DrainResult, RunContext } from '../contender';
import { now } from '../support/clock';
import { ProbeClient } from '../support/completion-probe';
import { drainTimeoutMs, SETUP_TIMEOUT_MS } from '../support/deadlines';
import { LatencyRecorder, pace, windowed } from '../support/load';
import { ManagedProcess } from '../support/managed-process';
import { redisConnection } from '../support/services';

/** addBulk calls unfinished at once, as for Cask's dispatchMany. */
const BULK_WIDTH = 4;

/**
 * BullMQ on the local Redis: no-op jobs added one by one and in bulk, a Worker with the shared concurrency in a child
 * process. Completed jobs are kept (BullMQ's default), as Cask keeps its job rows.
 */
class BullmqContender implements Contender {
  private queue?: Queue;
  private worker?: ManagedProcess;
  private probe?: ProbeClient;
  private seq = 0;
  private done = 0;

  constructor(private readonly ctx: RunContext) {}

  async setUp(): Promise<void> {
    const name = this.ctx.prefix;
    this.ctx.track({ kind: 'bullmq-queue', name });
    this.queue = new Queue(name, { connection: redisConnection() });
    await this.queue.waitUntilReady();
    this.worker = ManagedProcess.fork('BullMQ worker', join(__dirname, 'bullmq.worker.js'), {}, [
      name,
      String(this.ctx.options.concurrency),
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
    const queue = this.queue as Queue;
    return this.timedDrain(jobs, () => windowed(jobs, this.ctx.options.inFlight, () => queue.add('noop', this.data(now()))));
  }

  /** `addBulk` calls, as Cask's `dispatchMany`. */
  drainBulk(jobs: number): Promise<DrainResult> {
    const queue = this.queue as Queue;
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
    const queue = this.queue as Queue;
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
    return { producer: process.pid, worker: this.worker?.pid ?? 0 };
  }

  async tearDown(): Promise<void> {
    await this.worker?.stop();
    await this.queue?.close();
  }
}

export const createBullmqContender = (ctx: RunContext): Contender => new BullmqContender(ctx);
