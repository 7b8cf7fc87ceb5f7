import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contender, DrainResult, RunContext, RunResult } from '../contender';
import { caskNamespaceResource, startCaskApi, startCaskWorker } from '../support/cask-apps';
import { now, sleep } from '../support/clock';
import { SETUP_TIMEOUT_MS, STALL_MS } from '../support/deadlines';
import { hammer, httpFigures, LoadResult, openEventStream, postJson } from '../support/http-client';
import { Countdown, LatencyRecorder, pace, windowed } from '../support/load';
import type { ManagedProcess } from '../support/managed-process';
import { LatencySummary, summarizeLatencies } from '../support/stats';

const JOB = { type: 'demo.flaky', payload: { fail_times: 0 } };
const BODY = JSON.stringify(JOB);
/** Batch requests unfinished at once during the bulk drain, as for Cask's dispatchMany. */
const BULK_WIDTH = 4;
/** How often the store is counted while waiting: often enough for the drain's end, cheap for the api (an index scan in another process). */
const POLL_MS = 25;

/**
 * Cask through HTTP: POST /jobs on the built api, run by the built worker. The backlog goes in through
 * autocannon (and a second time through POST /jobs/batch) and is done when the store counts every job succeeded (read from the SQLite file, which
 * costs the api nothing); the latency phase follows each job on the api's GET /events stream.
 */
class CaskHttpContender implements Contender {
  private api?: ManagedProcess;
  private worker?: ManagedProcess;
  private baseUrl = '';
  private sqlitePath = '';
  private store?: BetterSqlite3.Database;
  private load?: LoadResult;
  private accept?: LatencySummary;

  constructor(private readonly ctx: RunContext) {}

  async setUp(): Promise<void> {
    const namespace = this.ctx.prefix;
    this.ctx.track(caskNamespaceResource(namespace));
    const dir = mkdtempSync(join(tmpdir(), 'cask-bench-'));
    this.ctx.track({ kind: 'directory', path: dir });
    this.sqlitePath = join(dir, 'cask.db');
    const started = await startCaskApi(this.ctx, { CASK_NAMESPACE: namespace, SQLITE_PATH: this.sqlitePath }, SETUP_TIMEOUT_MS);
    this.api = started.api;
    this.baseUrl = started.baseUrl;
    this.worker = startCaskWorker(this.ctx, namespace);
    this.store = new BetterSqlite3(this.sqlitePath, { readonly: true, fileMustExist: true });
    // Under full load for a while, as the bare endpoint warms up, then until the worker caught up.
    const before = this.succeededCount();
    const warmup = await hammer(
      `${this.baseUrl}/jobs`,
      BODY,
      { duration: this.ctx.options.httpWarmupSeconds },
      this.ctx.options.httpConnections,
    );
    await this.untilSucceeded(before + warmup.ok);
  }

  private succeededCount(): number {
    const row = (this.store as BetterSqlite3.Database).prepare("select count(*) as n from jobs where status = 'succeeded'").get() as {
      n: number;
    };
    return row.n;
  }

  /** Polls the store until `target` jobs have succeeded; resolves with when it saw them (or when `stop` aborts). */
  private async untilSucceeded(target: number, stop?: AbortSignal): Promise<number> {
    let last = -1;
    let since = Date.now();
    for (;;) {
      if (stop?.aborted) return now();
      const count = this.succeededCount();
      if (count >= target) return now();
      if (count !== last) {
        last = count;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) {
        throw new Error(`No progress for ${STALL_MS} ms: ${count} of ${target} jobs succeeded`);
      }
      if (!this.api?.running || !this.worker?.running)
        throw new Error(`A Cask process exited.\napi:\n${this.api?.output()}\nworker:\n${this.worker?.output()}`);
      await sleep(POLL_MS);
    }
  }

  async drain(jobs: number): Promise<DrainResult> {
    const target = this.succeededCount() + jobs;
    // Watched while the load runs: autocannon resolves only at its next one-second sample, so watching after it
    // would floor every drain to whole seconds (2,000 jobs came out at 495 or 658 jobs/s, 4.03 or 3.03 s).
    const stop = new AbortController();
    const succeeded = this.untilSucceeded(target, stop.signal);
    // Its failure (a process exited) is awaited below; until then it must not count as unhandled.
    succeeded.catch(() => undefined);
    const load = (this.load = await hammer(`${this.baseUrl}/jobs`, BODY, { amount: jobs }, this.ctx.options.httpConnections).catch(
      (err: Error) => {
        stop.abort();
        throw err;
      },
    ));
    if (load.ok !== jobs) {
      stop.abort();
      throw new Error(`POST /jobs: ${load.ok} of ${jobs} answered 2xx (${load.non2xx} other statuses, ${load.errors} errors)`);
    }
    const done = await succeeded;
    return { jobs, enqueueMs: load.endedAt - load.startedAt, totalMs: done - load.startedAt };
  }

  /** POST /jobs/batch with `batchSize` jobs a request, a few requests at once, as Cask's `dispatchMany`. */
  async drainBulk(jobs: number): Promise<DrainResult> {
    const target = this.succeededCount() + jobs;
    const size = this.ctx.options.batchSize;
    const start = now();
    await windowed(Math.ceil(jobs / size), BULK_WIDTH, async (i) => {
      const body = JSON.stringify({ jobs: Array.from({ length: Math.min(size, jobs - i * size) }, () => JOB) });
      const response = await postJson(`${this.baseUrl}/jobs/batch`, body);
      if (response.status !== 202) throw new Error(`POST /jobs/batch answered ${response.status}: ${response.body.slice(0, 300)}`);
    });
    const enqueued = now();
    const done = await this.untilSucceeded(target);
    return { jobs, enqueueMs: enqueued - start, totalMs: done - start };
  }

  async latency(rate: number, seconds: number): Promise<{ latencies: number[]; offered: number }> {
    const recorder = new LatencyRecorder<string>();
    const accepted: number[] = [];
    const succeeded = new Countdown();
    const stream = await openEventStream(`${this.baseUrl}/events?type=demo.flaky`, (event, data) => {
      if (event !== 'status') return;
      const at = now();
      const status = JSON.parse(data) as { job_id: string; status: string };
      if (status.status !== 'succeeded') return;
      recorder.finish(status.job_id, at);
      succeeded.add(at);
    });
    try {
      const offered = await pace(rate, seconds * 1000, (_i, at) => {
        postJson(`${this.baseUrl}/jobs`, BODY).then(
          (response) => {
            if (response.status !== 202) return this.ctx.log(`POST /jobs answered ${response.status}: ${response.body}`);
            accepted.push(response.at - at);
            recorder.start((JSON.parse(response.body) as { job_id: string }).job_id, at);
          },
          (err: Error) => this.ctx.log(`POST /jobs failed: ${err.message}`),
        );
      });
      await succeeded.reach(offered, STALL_MS, 'succeeded events on GET /events');
      this.accept = summarizeLatencies(accepted);
      return { latencies: recorder.latencies(), offered };
    } finally {
      stream.close();
    }
  }

  extras(): Partial<RunResult> {
    const load = this.load;
    return {
      acceptLatency: this.accept,
      http: load && httpFigures(load, this.ctx.options.httpConnections),
    };
  }

  processes(): Record<string, number> {
    return { api: this.api?.pid ?? 0, worker: this.worker?.pid ?? 0 };
  }

  async tearDown(): Promise<void> {
    this.store?.close();
    await Promise.all([this.worker?.stop(), this.api?.stop()]);
  }
}

export const createCaskHttpContender = (ctx: RunContext): Contender => new CaskHttpContender(ctx);
