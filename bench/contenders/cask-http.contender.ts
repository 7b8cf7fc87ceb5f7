import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contender, DrainResult, RunContext, RunResult } from '../contender';
import { caskNamespaceResource, startCaskApi, startCaskWorker } from '../support/cask-apps';
import { createDatabase, databaseName } from '../support/cleanup';
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
 * Per-tenant limits far above any load here, so each request is counted and none refused: the cost of counting
 * (in the store's `rate_limits` table on PostgreSQL, shared by every api instance), not of being limited.
 */
const LIMITS_ON = { RATE_LIMIT_PER_SECOND: '1000000', DISPATCH_RATE_LIMIT_PER_SECOND: '1000000' };
const SUCCEEDED = "select count(*) as n from jobs where status = 'succeeded'";

/** Which store the api runs on, and whether the tenant limits count requests. */
export interface CaskHttpSetup {
  store: 'sqlite' | 'postgres';
  limits: boolean;
}

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
  private pg?: Client;
  private load?: LoadResult;
  private accept?: LatencySummary;

  constructor(
    private readonly ctx: RunContext,
    private readonly setup: CaskHttpSetup = { store: 'sqlite', limits: false },
  ) {}

  async setUp(): Promise<void> {
    const namespace = this.ctx.prefix;
    this.ctx.track(caskNamespaceResource(namespace));
    const env: Record<string, string> = { CASK_NAMESPACE: namespace, ...(this.setup.limits ? LIMITS_ON : {}) };
    let databaseUrl = '';
    if (this.setup.store === 'postgres') {
      const name = databaseName(this.ctx.prefix);
      this.ctx.track({ kind: 'postgres-database', name });
      env.DATABASE_URL = databaseUrl = await createDatabase(name);
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'cask-bench-'));
      this.ctx.track({ kind: 'directory', path: dir });
      env.SQLITE_PATH = this.sqlitePath = join(dir, 'cask.db');
    }
    const started = await startCaskApi(this.ctx, env, SETUP_TIMEOUT_MS);
    this.api = started.api;
    this.baseUrl = started.baseUrl;
    this.worker = startCaskWorker(this.ctx, namespace);
    if (databaseUrl) {
      this.pg = new Client({ connectionString: databaseUrl });
      await this.pg.connect();
    } else {
      this.store = new BetterSqlite3(this.sqlitePath, { readonly: true, fileMustExist: true });
    }
    // Under full load for a while, as the bare endpoint warms up, then until the worker caught up.
    const before = await this.succeededCount();
    const warmup = await hammer(
      `${this.baseUrl}/jobs`,
      BODY,
      { duration: this.ctx.options.httpWarmupSeconds },
      this.ctx.options.httpConnections,
    );
    await this.untilSucceeded(before + warmup.ok);
  }

  /** Succeeded jobs, read over a connection of the bench's own (for SQLite, the file, which costs the api nothing). */
  private async succeededCount(): Promise<number> {
    if (this.pg) return Number((await this.pg.query<{ n: string }>(SUCCEEDED)).rows[0].n);
    return ((this.store as BetterSqlite3.Database).prepare(SUCCEEDED).get() as { n: number }).n;
  }

  /** Polls the store until `target` jobs have succeeded; resolves with when it saw them (or when `stop` aborts). */
  private async untilSucceeded(target: number, stop?: AbortSignal): Promise<number> {
    let last = -1;
    let since = Date.now();
    for (;;) {
      if (stop?.aborted) return now();
      const count = await this.succeededCount();
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
    const target = (await this.succeededCount()) + jobs;
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
    const target = (await this.succeededCount()) + jobs;
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
    await this.pg?.end();
    await Promise.all([this.worker?.stop(), this.api?.stop()]);
  }
}

export const createCaskHttpContender = (ctx: RunContext): Contender => new CaskHttpContender(ctx);
export const createCaskHttpPostgresContender = (ctx: RunContext): Contender =>
  new CaskHttpContender(ctx, { store: 'postgres', limits: false });
export const createCaskHttpPostgresLimitsContender = (ctx: RunContext): Contender =>
  new CaskHttpContender(ctx, { store: 'postgres', limits: true });
