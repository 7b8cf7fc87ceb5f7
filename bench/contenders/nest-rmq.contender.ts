import { Logger } from '@nestjs/common';
import { ClientProxyFactory, ClientRMQ, Transport } from '@nestjs/microservices';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import type { Contender, DrainResult, RunContext } from '../contender';
import { now } from '../support/clock';
import { ProbeClient } from '../support/completion-probe';
import { drainTimeoutMs, SETUP_TIMEOUT_MS } from '../support/deadlines';
import { LatencyRecorder, pace, windowed } from '../support/load';
import { ManagedProcess } from '../support/managed-process';
import { BENCH_AMQP_URL } from '../support/services';

/**
 * NestJS's RMQ transport made durable, one-way: ClientRMQ.emit (a confirmed publish) to an
 * @EventPattern handler in a child microservice that acks by hand. There is no result message, so a
 * job is done when its handler runs.
 */
class NestRmqContender implements Contender {
  private client?: ClientRMQ;
  private consumer?: ManagedProcess;
  private probe?: ProbeClient;
  private seq = 0;
  private done = 0;
  private readonly queue: string;

  constructor(private readonly ctx: RunContext) {
    this.queue = `${ctx.prefix}.jobs`;
  }

  async setUp(): Promise<void> {
    // ClientRMQ logs through Nest's static logger; keep the bench's output to warnings, as for the apps.
    Logger.overrideLogger(['fatal', 'error', 'warn']);
    this.ctx.track({ kind: 'amqp-queues', queues: [this.queue], exchanges: [] });
    this.consumer = ManagedProcess.fork('Nest RMQ consumer', join(__dirname, 'nest-rmq.app.js'), {}, [
      BENCH_AMQP_URL,
      this.queue,
      String(this.ctx.options.concurrency),
    ]);
    this.ctx.trackPid(this.consumer.pid);
    this.probe = new ProbeClient(this.consumer);
    await this.consumer.waitForMessage((m) => m.type === 'ready', SETUP_TIMEOUT_MS, 'ready');
    this.client = ClientProxyFactory.create({
      transport: Transport.RMQ,
      options: { urls: [BENCH_AMQP_URL], queue: this.queue, queueOptions: { durable: true }, persistent: true },
    }) as ClientRMQ;
    await this.client.connect();
    await this.drain(this.ctx.options.warmupJobs);
  }

  private emit(intendedAt: number): Promise<unknown> {
    const data = { fail_times: 0, seq: this.seq++, sent_at: intendedAt };
    return lastValueFrom((this.client as ClientRMQ).emit('bench.job', data), { defaultValue: undefined });
  }

  async drain(jobs: number): Promise<DrainResult> {
    this.done += jobs;
    return (this.probe as ProbeClient).timeDrain(jobs, this.done, () => windowed(jobs, this.ctx.options.inFlight, () => this.emit(now())));
  }

  async latency(rate: number, seconds: number): Promise<{ latencies: number[]; offered: number }> {
    const recorder = new LatencyRecorder<number>();
    const firstSeq = this.seq;
    const offered = await pace(rate, seconds * 1000, (_i, at) => {
      recorder.start(this.seq, at);
      this.emit(at).catch((err: Error) => this.ctx.log(`emit failed: ${err.message}`));
    });
    this.done += offered;
    await (this.probe as ProbeClient).reach(this.done, drainTimeoutMs(offered));
    for (const [seq, at] of await (this.probe as ProbeClient).dump(firstSeq)) recorder.finish(seq, at);
    return { latencies: recorder.latencies(), offered };
  }

  processes(): Record<string, number> {
    return { producer: process.pid, consumer: this.consumer?.pid ?? 0 };
  }

  async tearDown(): Promise<void> {
    await this.consumer?.stop();
    await this.client?.close();
  }
}

export const createNestRmqContender = (ctx: RunContext): Contender => new NestRmqContender(ctx);
