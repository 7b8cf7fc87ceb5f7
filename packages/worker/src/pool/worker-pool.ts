import { AmqpConnection, ConfirmPublisher } from '@cask/core';
import type { CaskTopology, JobCatalogue, MessageSigner } from '@cask/contracts';
import { hostname } from 'node:os';
import type { WorkerSettings } from '../worker-settings';
import { AmqpRateTokens } from './amqp-rate-tokens';
import { HeartbeatPublisher } from './heartbeat-publisher';
import { JobSlots } from './job-slots';
import { PoolPlan, planPool } from './pool-plan';

/**
 * This worker's part of the pool: which queues it consumes, when a job may start (worker concurrency,
 * per-type caps, rate limits across workers) and the heartbeats that list it under `GET /workers`.
 */
export class WorkerPool {
  readonly plan: PoolPlan;
  /** Where every job waits for its turn to start. */
  readonly slots: JobSlots;
  private readonly rateTokens: AmqpRateTokens;
  private readonly heartbeats: HeartbeatPublisher;

  /** @throws ConfigError naming queues and job types in the configuration that the catalogue does not know. */
  constructor(
    config: WorkerSettings,
    catalogue: JobCatalogue,
    topology: CaskTopology,
    connection: AmqpConnection,
    publisher: ConfirmPublisher,
    inFlight: () => number,
    signer?: MessageSigner,
  ) {
    this.plan = planPool(config, catalogue);
    this.rateTokens = new AmqpRateTokens(connection, topology, [...this.plan.rateLimits.keys()], signer);
    this.slots = new JobSlots(config.concurrency, this.plan.typeCaps, this.plan.rateLimits.keys(), this.rateTokens);
    this.heartbeats = new HeartbeatPublisher(
      publisher,
      topology,
      {
        workerId: config.workerId,
        host: hostname(),
        pid: process.pid,
        queues: this.plan.queues,
        concurrency: config.concurrency,
        startedAt: Date.now(),
      },
      inFlight,
      config.heartbeatMs,
    );
  }

  /** Before consuming: opens the channel rate-limited jobs take their tokens on. */
  prepare(): Promise<void> {
    return this.rateTokens.start();
  }

  /** Once consuming: starts the heartbeats. */
  announce(): void {
    this.heartbeats.start();
  }

  /** Shutdown, once every job is let go: says goodbye and closes the token channel. */
  async leave(): Promise<void> {
    await this.rateTokens.stop();
    await this.heartbeats.goodbye();
  }

  /** `; video.process at most 2 at once; demo.flaky at most 5/s`, for the start-up log line. */
  describeLimits(): string {
    const caps = [...this.plan.typeCaps].map(([type, cap]) => `${type} at most ${cap} at once`);
    const rates = [...this.plan.rateLimits].map(([type, rate]) => `${type} at most ${rate}/s`);
    return [...caps, ...rates].map((limit) => `; ${limit}`).join('');
  }
}
