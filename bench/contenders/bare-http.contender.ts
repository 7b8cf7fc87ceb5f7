import { join } from 'node:path';
import type { Contender, DrainResult, RunContext, RunResult } from '../contender';
import { SETUP_TIMEOUT_MS, STALL_MS } from '../support/deadlines';
import { hammer, httpFigures, LoadResult, postJson } from '../support/http-client';
import { Countdown, LatencyRecorder, pace } from '../support/load';
import { ManagedProcess } from '../support/managed-process';

const BODY = JSON.stringify({ type: 'demo.flaky', payload: { fail_times: 0 } });

/** A bare Nest POST endpoint answering 202: the ceiling for Cask's POST /jobs, on Express or Fastify. */
class BareHttpContender implements Contender {
  private server?: ManagedProcess;
  private url = '';
  private load?: LoadResult;

  constructor(
    private readonly ctx: RunContext,
    private readonly platform: 'express' | 'fastify',
  ) {}

  async setUp(): Promise<void> {
    this.server = ManagedProcess.fork(`bare Nest app (${this.platform})`, join(__dirname, 'bare-http.app.js'), {
      BARE_PLATFORM: this.platform,
    });
    this.ctx.trackPid(this.server.pid);
    const ready = await this.server.waitForMessage<{ type: string; port: number }>((m) => m.type === 'ready', SETUP_TIMEOUT_MS, 'ready');
    this.url = `http://127.0.0.1:${ready.port}/jobs`;
    await hammer(this.url, BODY, { duration: this.ctx.options.httpWarmupSeconds }, this.ctx.options.httpConnections);
  }

  async drain(jobs: number): Promise<DrainResult> {
    const load = (this.load = await (this.server as ManagedProcess).guard(
      hammer(this.url, BODY, { amount: jobs }, this.ctx.options.httpConnections),
    ));
    const ms = load.endedAt - load.startedAt;
    return { jobs: load.ok, enqueueMs: ms, totalMs: ms, noResults: true };
  }

  async latency(rate: number, seconds: number): Promise<{ latencies: number[]; offered: number }> {
    const recorder = new LatencyRecorder<number>();
    const answered = new Countdown();
    const offered = await pace(rate, seconds * 1000, (i, at) => {
      recorder.start(i, at);
      postJson(this.url, BODY).then(
        (response) => {
          if (response.status === 202) recorder.finish(i, response.at);
          answered.add(response.at);
        },
        (err: Error) => {
          this.ctx.log(`POST failed: ${err.message}`);
          answered.add();
        },
      );
    });
    await answered.reach(offered, STALL_MS, 'responses');
    return { latencies: recorder.latencies(), offered };
  }

  extras(): Partial<RunResult> {
    const load = this.load;
    if (!load) return {};
    return { http: httpFigures(load, this.ctx.options.httpConnections) };
  }

  processes(): Record<string, number> {
    return { server: this.server?.pid ?? 0 };
  }

  async tearDown(): Promise<void> {
    await this.server?.stop();
  }
}

export const createBareHttpContender = (ctx: RunContext): Contender => new BareHttpContender(ctx, 'express');
export const createBareFastifyContender = (ctx: RunContext): Contender => new BareHttpContender(ctx, 'fastify');
