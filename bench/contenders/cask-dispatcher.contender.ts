import { DemoFlaky } from '@cask/examples';
import { AsyncDispatcher, CaskBroker, CaskHealthIndicator, JobEventBus } from '@cask/nestjs';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApiConfig } from '../../apps/api/src/config/api-config';
import type { Contender, DrainResult, RunContext } from '../contender';
import { caskNamespaceResource, startCaskWorker } from '../support/cask-apps';
import { createDatabase, databaseName } from '../support/cleanup';
import { now, sleep } from '../support/clock';
import { SETUP_TIMEOUT_MS, STALL_MS } from '../support/deadlines';
import { Countdown, LatencyRecorder, pace, windowed } from '../support/load';
import type { ManagedProcess } from '../support/managed-process';
import { BENCH_AMQP_URL } from '../support/services';
import { CaskBenchModule } from './cask-bench.module';

const PAYLOAD = { fail_times: 0 };
/** Groups the grouped contender spreads its jobs over, one after another. */
const GROUPS = 10;
/** Bulk dispatches unfinished at once during the bulk drain. */
const BULK_WIDTH = 4;

/**
 * Cask end to end through the AsyncDispatcher: `dispatch` in this process → the built worker → the
 * succeeded event committed to the job store, seen on the api's JobEventBus (which publishes after commit).
 */
class CaskDispatcherContender implements Contender {
  private app?: INestApplicationContext;
  private dispatcher?: AsyncDispatcher;
  private worker?: ManagedProcess;
  private readonly succeeded = new Countdown();
  private recorder?: LatencyRecorder<string>;
  private unexpected = 0;
  private databaseUrl?: string;
  private sqlitePath?: string;
  private sent = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly store: 'sqlite' | 'postgres',
    /** Dispatch every job into one of {@link GROUPS} groups (no cap: only the turns and the buffer). */
    private readonly grouped = false,
    /** The job queues' kind (`CASK_JOB_QUEUE_TYPE`) on both sides. */
    private readonly jobQueueType: 'classic' | 'quorum' = 'classic',
  ) {}

  async setUp(): Promise<void> {
    const namespace = this.ctx.prefix;
    this.ctx.track(caskNamespaceResource(namespace));
    const shared = { CASK_JOB_QUEUE_TYPE: this.jobQueueType };
    const env: Record<string, string> = { AMQP_URL: BENCH_AMQP_URL, CASK_NAMESPACE: namespace, LOG_LEVEL: 'warn', PORT: '0', ...shared };
    if (this.store === 'postgres') {
      const name = databaseName(this.ctx.prefix);
      this.ctx.track({ kind: 'postgres-database', name });
      env.DATABASE_URL = this.databaseUrl = await createDatabase(name);
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'cask-bench-'));
      this.ctx.track({ kind: 'directory', path: dir });
      env.SQLITE_PATH = this.sqlitePath = join(dir, 'cask.db');
    }
    this.app = await NestFactory.createApplicationContext(CaskBenchModule.forRoot(loadApiConfig(env)), {
      logger: ['fatal', 'error', 'warn'],
    });
    await this.app.init();
    this.dispatcher = this.app.get(AsyncDispatcher);
    this.app.get(JobEventBus).subscribe((update) => {
      if (update.source !== 'worker') return;
      const at = now();
      if (update.event.kind === 'succeeded') {
        this.recorder?.finish(update.event.job_id, at);
        this.succeeded.add(at);
      } else if (update.event.kind === 'failed' || update.event.kind === 'retrying') {
        this.unexpected++;
      }
    });
    await this.untilReady();
    this.worker = startCaskWorker(this.ctx, namespace, shared);
    await this.worker.guard(this.drain(this.ctx.options.warmupJobs));
  }

  /** Until the dispatcher's publisher and the event consumer are attached, as /health/ready would say. */
  private async untilReady(): Promise<void> {
    const app = this.app as INestApplicationContext;
    const broker = app.get(CaskBroker);
    const health = app.get(CaskHealthIndicator);
    const deadline = Date.now() + SETUP_TIMEOUT_MS;
    while (!(broker.isReady && health.consumers().consumers.status === 'up')) {
      if (Date.now() > deadline) throw new Error('Cask api not ready: publisher or event consumer never attached');
      await sleep(20);
    }
  }

  private dispatch(): Promise<string> {
    return (this.dispatcher as AsyncDispatcher).dispatch(DemoFlaky, PAYLOAD, this.options());
  }

  private options(): { group?: string } {
    return this.grouped ? { group: `g${this.sent++ % GROUPS}` } : {};
  }

  private async timedDrain(jobs: number, enqueue: () => Promise<void>): Promise<DrainResult> {
    const target = this.succeeded.value + jobs;
    const start = now();
    await enqueue();
    const enqueued = now();
    const done = await (this.worker as ManagedProcess).guard(this.succeeded.reach(target, STALL_MS, 'succeeded jobs'));
    await this.checkStore(target);
    return { jobs, enqueueMs: enqueued - start, totalMs: done - start };
  }

  /** The bus said so; the store must agree (read over a connection of the bench's own), or the figures are not about Cask doing its job. */
  private async checkStore(expected: number): Promise<void> {
    const sql = "select count(*) as n from jobs where status = 'succeeded'";
    let count: number;
    if (this.databaseUrl) {
      const client = new Client({ connectionString: this.databaseUrl });
      await client.connect();
      count = Number((await client.query<{ n: string }>(sql).finally(() => client.end())).rows[0].n);
    } else {
      const db = new BetterSqlite3(this.sqlitePath as string, { readonly: true });
      count = Number((db.prepare(sql).get() as { n: number }).n);
      db.close();
    }
    if (count !== expected) throw new Error(`The store counts ${count} succeeded jobs; ${expected} were dispatched`);
  }

  drain(jobs: number): Promise<DrainResult> {
    return this.timedDrain(jobs, () => windowed(jobs, this.ctx.options.inFlight, () => this.dispatch()));
  }

  drainBulk(jobs: number): Promise<DrainResult> {
    const size = this.ctx.options.batchSize;
    const batches = Math.ceil(jobs / size);
    return this.timedDrain(jobs, () =>
      windowed(batches, BULK_WIDTH, (i) =>
        (this.dispatcher as AsyncDispatcher).dispatchMany(
          Array.from({ length: Math.min(size, jobs - i * size) }, () => ({ job: DemoFlaky, payload: PAYLOAD, options: this.options() })),
        ),
      ),
    );
  }

  async latency(rate: number, seconds: number): Promise<{ latencies: number[]; offered: number }> {
    const recorder = (this.recorder = new LatencyRecorder<string>());
    const before = this.succeeded.value;
    const offered = await pace(rate, seconds * 1000, (_i, at) => {
      this.dispatch().then(
        (id) => recorder.start(id, at),
        (err: Error) => this.ctx.log(`dispatch failed: ${err.message}`),
      );
    });
    await (this.worker as ManagedProcess).guard(this.succeeded.reach(before + offered, STALL_MS, 'succeeded jobs'));
    await this.checkStore(before + offered);
    this.recorder = undefined;
    if (this.unexpected > 0) this.ctx.log(`${this.unexpected} job(s) failed or retried`);
    return { latencies: recorder.latencies(), offered };
  }

  processes(): Record<string, number> {
    return { 'api+bench': process.pid, worker: this.worker?.pid ?? 0 };
  }

  async tearDown(): Promise<void> {
    await this.worker?.stop();
    await this.app?.close();
  }
}

export const createCaskSqliteContender = (ctx: RunContext): Contender => new CaskDispatcherContender(ctx, 'sqlite');

export const createCaskGroupsContender = (ctx: RunContext): Contender => new CaskDispatcherContender(ctx, 'sqlite', true);

export const createCaskQuorumContender = (ctx: RunContext): Contender => new CaskDispatcherContender(ctx, 'sqlite', false, 'quorum');

export const createCaskPostgresContender = (ctx: RunContext): Contender => new CaskDispatcherContender(ctx, 'postgres');
