import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { WorkerRegistry } from '../workers/worker-registry';
import { WorkersOptions } from '../workers/workers.options';

/** How old the list of packable queues may be. */
const REFRESH_MS = 2_000;

/**
 * Says whether a queue's jobs may share messages (format 2): only while every worker heard from on that queue
 * says in its heartbeat that it reads packs. A worker of an older release would dead-letter a pack, so until
 * such workers are gone (and before any worker has been heard from) every job travels alone. The answer comes
 * from the worker registry (shared by every api instance), read again every 2 s in the background: dispatch
 * never waits for it.
 */
@Injectable()
export class PackGate implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PackGate.name);
  private packable = new Set<string>();
  private checking?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly options: WorkersOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  allows(queue: string): boolean {
    return this.packable.has(queue);
  }

  private refresh(): void {
    if (this.checking) return;
    this.checking = this.registry
      .packableQueues(Date.now() - this.options.timeoutMs)
      .then(
        (queues) => {
          this.packable = queues;
        },
        (err: Error) => this.logger.debug(`Could not read which workers read packs (${err.message}); keeping the last answer`),
      )
      .finally(() => {
        this.checking = undefined;
      });
  }
}
