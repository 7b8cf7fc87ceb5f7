import { jobLog } from '@cask/contracts';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobEventBus } from './job-event-bus';
import { withinGrace } from '../shutdown/within-grace';
import { JobStore } from '../store/job-store';
import { WorkerRegistry } from '../workers/worker-registry';
import { WorkersOptions } from '../workers/workers.options';

/** Sweeps this many times per `workers.timeoutMs`, so a lost worker is found within 4/3 of it. */
const SWEEPS_PER_TIMEOUT = 3;

/**
 * Finds workers silent for longer than `workers.timeoutMs` (killed, or cut off from the broker): the jobs they
 * were running are shown as what they are, `retrying` with a `worker_lost` entry naming the worker, not
 * `running`; then their rows go (`GET /workers` already leaves them out). Jobs first, rows after, and both
 * idempotent, so every api instance may sweep and one that dies in between leaves the next sweep to finish.
 */
@Injectable()
export class SilentWorkerSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SilentWorkerSweeper.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly options: WorkersOptions,
    private readonly jobs: JobStore,
    private readonly bus: JobEventBus,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => {
        this.sweeping ??= this.sweep()
          .catch((err: Error) => this.logger.warn(`Sweeping silent workers failed: ${err.message}`))
          .finally(() => (this.sweeping = undefined));
      },
      Math.ceil(this.options.timeoutMs / SWEEPS_PER_TIMEOUT),
    );
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await withinGrace(this.sweeping, this.options.shutdownGraceMs);
  }

  async sweep(now = Date.now()): Promise<void> {
    const before = now - this.options.timeoutMs;
    const silent = await this.registry.silentSince(before);
    if (silent.length === 0) return;
    const lost = await this.jobs.loseWorkers(silent, now);
    for (const job of lost) {
      this.logger.warn({
        ...jobLog(job.id, job.type),
        msg: `Job ${job.type} ${job.id}: its worker stopped sending heartbeats; it waits to run again`,
      });
      this.bus.publishApiChange(job, now);
    }
    await this.registry.forgetSilent(before);
    this.logger.warn(
      `Lost ${silent.length} worker(s) silent for over ${this.options.timeoutMs} ms (${silent.join(', ')}); ${lost.length} job(s) they were running wait to run again`,
    );
  }
}
