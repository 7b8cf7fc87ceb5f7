import type { Contender, DrainResult, RunContext } from '../contender';
import { now } from '../support/clock';
import { ProbeClient } from '../support/completion-probe';
import { drainTimeoutMs, SETUP_TIMEOUT_MS } from '../support/deadlines';
import { LatencyRecorder, pace, windowed } from '../support/load';
import { ManagedProcess } from '../support/managed-process';

/** Bulk calls unfinished at once, as for Cask's dispatchMany. */
const BULK_WIDTH = 4;

/** A no-op job's data: Cask's no-op payload, plus a sequence number and the time it was meant to be sent. */
export interface NoopJob {
  fail_times: number;
  seq: number;
  sent_at: number;
}

/** A job library's producer, in the runner process. */
export interface LibraryProducer {
  /** Adds one job; resolves once the library has stored it. */
  add(job: NoopJob): Promise<unknown>;
  /** Adds several jobs in one call of the library's bulk insert. */
  addBulk(jobs: NoopJob[]): Promise<unknown>;
  close(): Promise<void>;
}

/** What a job library's contender has running for one run, once its store is ready. */
export interface LibraryRun {
  producer: LibraryProducer;
  /**
   * The worker child: a compiled script that runs the library's worker with the bench's concurrency, reports
   * each job whose result its store holds to a CompletionProbe, and says `ready` when it consumes.
   */
  worker: { label: string; script: string; args: string[]; env?: Record<string, string> };
  /** Processes the run started besides the producer and the worker (a service of its own), by role. */
  processes?(): Record<string, number>;
  /** Stops what the run started besides the producer and the worker; resources are the orchestrator's. */
  close?(): Promise<void>;
}

/**
 * A job library (BullMQ, pg-boss, graphile-worker) measured the same way: the producer in the runner
 * process adds no-op jobs one by one (with `inFlight` unfinished at once, as Cask's `dispatch`) and in bulk
 * (as Cask's `dispatchMany`); a worker child with the shared concurrency reports when each job's result is
 * visible in the library's store.
 */
export class LibraryContender implements Contender {
  private run?: LibraryRun;
  private worker?: ManagedProcess;
  private probe?: ProbeClient;
  private seq = 0;
  private done = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly open: (ctx: RunContext) => Promise<LibraryRun>,
  ) {}

  async setUp(): Promise<void> {
    const run = (this.run = await this.open(this.ctx));
    this.worker = ManagedProcess.fork(run.worker.label, run.worker.script, run.worker.env ?? {}, run.worker.args);
    this.ctx.trackPid(this.worker.pid);
    this.probe = new ProbeClient(this.worker);
    await this.worker.waitForMessage((m) => m.type === 'ready', SETUP_TIMEOUT_MS, 'ready');
    await this.drain(this.ctx.options.warmupJobs);
  }

  private job(intendedAt: number): NoopJob {
    return { fail_times: 0, seq: this.seq++, sent_at: intendedAt };
  }

  private get producer(): LibraryProducer {
    return (this.run as LibraryRun).producer;
  }

  drain(jobs: number): Promise<DrainResult> {
    return this.timedDrain(jobs, () => windowed(jobs, this.ctx.options.inFlight, () => this.producer.add(this.job(now()))));
  }

  drainBulk(jobs: number): Promise<DrainResult> {
    const size = this.ctx.options.batchSize;
    return this.timedDrain(jobs, () =>
      windowed(Math.ceil(jobs / size), BULK_WIDTH, (i) =>
        this.producer.addBulk(Array.from({ length: Math.min(size, jobs - i * size) }, () => this.job(now()))),
      ),
    );
  }

  private async timedDrain(jobs: number, enqueue: () => Promise<unknown>): Promise<DrainResult> {
    this.done += jobs;
    return (this.probe as ProbeClient).timeDrain(jobs, this.done, enqueue);
  }

  async latency(rate: number, seconds: number): Promise<{ latencies: number[]; offered: number }> {
    const recorder = new LatencyRecorder<number>();
    const firstSeq = this.seq;
    const offered = await pace(rate, seconds * 1000, (_i, at) => {
      const job = this.job(at);
      recorder.start(job.seq, at);
      this.producer.add(job).catch((err: Error) => this.ctx.log(`add failed: ${err.message}`));
    });
    this.done += offered;
    await (this.probe as ProbeClient).reach(this.done, drainTimeoutMs(offered));
    for (const [seq, at] of await (this.probe as ProbeClient).dump(firstSeq)) recorder.finish(seq, at);
    return { latencies: recorder.latencies(), offered };
  }

  processes(): Record<string, number> {
    return { producer: process.pid, worker: this.worker?.pid ?? 0, ...this.run?.processes?.() };
  }

  async tearDown(): Promise<void> {
    await this.worker?.stop();
    await this.run?.producer.close();
    await this.run?.close?.();
  }
}
