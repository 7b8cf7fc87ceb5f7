import * as amqplib from 'amqplib';
import { join } from 'node:path';
import type { Contender, DrainResult, RunContext } from '../contender';
import { now } from '../support/clock';
import { SETUP_TIMEOUT_MS, STALL_MS } from '../support/deadlines';
import { Countdown, LatencyRecorder, pace, windowed } from '../support/load';
import { ManagedProcess } from '../support/managed-process';
import { BENCH_AMQP_URL } from '../support/services';

/** Prefetch of the result consumer: as Cask's event consumer (EVENT_BATCH_SIZE). */
const RESULT_PREFETCH = 500;

/**
 * The physical limit: job message → worker → result message → result consumer, both persistent on
 * confirm channels, no store. The queues are declared as Cask declares its own (a classic priority queue
 * for jobs, a quorum queue for results), so the gap to Cask is Cask's own work, not a different topology.
 */
class RawAmqpContender implements Contender {
  private connection?: amqplib.ChannelModel;
  private publisher?: amqplib.ConfirmChannel;
  private worker?: ManagedProcess;
  private readonly results = new Countdown();
  /** Set during the latency phase only. */
  private recorder?: LatencyRecorder<number>;
  private seq = 0;
  private readonly jobQueue: string;
  private readonly resultQueue: string;

  constructor(private readonly ctx: RunContext) {
    this.jobQueue = `${ctx.prefix}.jobs`;
    this.resultQueue = `${ctx.prefix}.results`;
  }

  async setUp(): Promise<void> {
    this.ctx.track({ kind: 'amqp-queues', queues: [this.jobQueue, this.resultQueue], exchanges: [] });
    this.connection = await amqplib.connect(BENCH_AMQP_URL, { noDelay: true });
    this.connection.on('error', () => undefined);
    this.publisher = await this.connection.createConfirmChannel();
    await this.publisher.assertQueue(this.jobQueue, { durable: true, arguments: { 'x-queue-type': 'classic', 'x-max-priority': 9 } });
    await this.publisher.assertQueue(this.resultQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    const consumer = await this.connection.createChannel();
    await consumer.prefetch(RESULT_PREFETCH);
    await consumer.consume(
      this.resultQueue,
      (message) => {
        if (!message) return;
        const at = now();
        const { seq } = JSON.parse(message.content.toString()) as { seq: number };
        consumer.ack(message);
        this.recorder?.finish(seq, at);
        this.results.add(at);
      },
      { noAck: false },
    );
    this.worker = ManagedProcess.fork('raw amqplib worker', join(__dirname, 'raw-amqp.worker.js'), {}, [
      BENCH_AMQP_URL,
      this.jobQueue,
      this.resultQueue,
      String(this.ctx.options.concurrency),
    ]);
    this.ctx.trackPid(this.worker.pid);
    await this.worker.waitForMessage((m) => m.type === 'ready', SETUP_TIMEOUT_MS, 'ready');
    await this.drain(this.ctx.options.warmupJobs);
  }

  private publish(intendedAt: number): Promise<void> {
    const seq = this.seq++;
    this.recorder?.start(seq, intendedAt);
    const body = Buffer.from(JSON.stringify({ seq, type: 'demo.flaky', payload: { fail_times: 0 }, sent_at: intendedAt }));
    return new Promise((resolve, reject) => {
      (this.publisher as amqplib.ConfirmChannel).sendToQueue(this.jobQueue, body, { persistent: true, priority: 0 }, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  async drain(jobs: number): Promise<DrainResult> {
    const target = this.results.value + jobs;
    const start = now();
    await windowed(jobs, this.ctx.options.inFlight, () => this.publish(now()));
    const enqueued = now();
    const done = await (this.worker as ManagedProcess).guard(this.results.reach(target, STALL_MS, 'results'));
    return { jobs, enqueueMs: enqueued - start, totalMs: done - start };
  }

  async latency(rate: number, seconds: number): Promise<{ latencies: number[]; offered: number }> {
    const recorder = (this.recorder = new LatencyRecorder<number>());
    const before = this.results.value;
    const offered = await pace(rate, seconds * 1000, (_i, at) => {
      this.publish(at).catch((err: Error) => this.ctx.log(`publish failed: ${err.message}`));
    });
    await (this.worker as ManagedProcess).guard(this.results.reach(before + offered, STALL_MS, 'results'));
    this.recorder = undefined;
    return { latencies: recorder.latencies(), offered };
  }

  processes(): Record<string, number> {
    return { producer: process.pid, worker: this.worker?.pid ?? 0 };
  }

  async tearDown(): Promise<void> {
    await this.worker?.stop();
    await this.connection?.close().catch(() => undefined);
  }
}

export const createRawAmqpContender = (ctx: RunContext): Contender => new RawAmqpContender(ctx);
