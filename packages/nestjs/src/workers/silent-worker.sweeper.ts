import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { withinGrace } from '../shutdown/within-grace';
import { WorkerRegistry } from './worker-registry';
import { WorkersOptions } from './workers.options';

/**
 * Deletes the rows of workers silent for longer than `workers.timeoutMs` (killed, or cut off from the
 * broker). `GET /workers` already leaves them out; this keeps the table from collecting them. Deleting
 * is idempotent, so every api instance may sweep.
 */
@Injectable()
export class SilentWorkerSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SilentWorkerSweeper.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly options: WorkersOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((err: Error) => this.logger.warn(`Sweeping silent workers failed: ${err.message}`))
        .finally(() => (this.sweeping = undefined));
    }, this.options.timeoutMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await withinGrace(this.sweeping, this.options.shutdownGraceMs);
  }

  async sweep(now = Date.now()): Promise<void> {
    const forgotten = await this.registry.forgetSilent(now - this.options.timeoutMs);
    if (forgotten > 0) this.logger.warn(`Forgot ${forgotten} worker(s) silent for over ${this.options.timeoutMs} ms`);
  }
}
