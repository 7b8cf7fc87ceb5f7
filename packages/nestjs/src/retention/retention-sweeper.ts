import { JobCatalogue } from '@cask/contracts';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { RetentionOptions } from './retention.options';
import { DeadLetterStore } from '../store/dead-letter-store';
import { RetentionStore } from '../store/retention-store';
import { withinGrace } from '../shutdown/within-grace';

/** Jobs purged per statement; a sweep repeats until a type has none left. */
const PURGE_BATCH = 1000;

/**
 * Purges finished jobs once their type's retention has passed (default 7 days), leaving tombstones so
 * their ids answer 410 Gone rather than 404 for a while, and dead letters past theirs (30 days). Safe to run
 * on several api instances at once.
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionSweeper.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly store: RetentionStore,
    private readonly catalogue: JobCatalogue,
    private readonly config: RetentionOptions,
    private readonly letters: DeadLetterStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .then(() => undefined)
        .catch((err: Error) => this.logger.warn(`Retention sweep failed: ${err.message}`))
        .finally(() => (this.sweeping = undefined));
    }, this.config.sweepMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await withinGrace(this.sweeping, this.config.shutdownGraceMs);
  }

  /** One pass over every job type; returns how many jobs it purged. */
  async sweep(now = Date.now()): Promise<number> {
    let total = 0;
    for (const job of this.catalogue.all()) {
      const retention = this.config.jobRetentionMs ?? job.retentionMs;
      for (;;) {
        const purged = await this.store.purgeFinished(job.name, now - retention, PURGE_BATCH);
        total += purged;
        if (purged < PURGE_BATCH) break;
      }
    }
    await this.store.purgeTombstones(now - this.config.tombstoneTtlMs);
    if (total > 0) this.logger.log(`Purged ${total} finished job(s) past their retention`);
    let letters = 0;
    for (let purged = PURGE_BATCH; purged === PURGE_BATCH; letters += purged) {
      purged = await this.letters.purgeBefore(now - this.config.deadLetterRetentionMs, PURGE_BATCH);
    }
    if (letters > 0) this.logger.log(`Purged ${letters} dead letter(s) past their retention`);
    return total;
  }
}
