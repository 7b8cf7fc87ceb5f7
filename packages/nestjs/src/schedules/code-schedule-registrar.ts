import { JobCatalogue, ScheduleDefinition } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import { CronExpression } from './cron-expression';
import { scheduleOptionsToWire } from './schedule-options';
import { ScheduleStore } from './schedule-store';

/**
 * Makes the stored code-declared schedules match the ones declared in code (`schedules` of `CaskModule.forRoot` and `forFeature`) at start: creates or updates
 * each, and deletes those no longer declared. Every api instance does it at its start; upserts of an
 * unchanged schedule keep its pending tick, so restarts neither skip nor repeat one.
 */
export class CodeScheduleRegistrar {
  private readonly logger = new Logger(CodeScheduleRegistrar.name);

  constructor(
    private readonly store: ScheduleStore,
    private readonly catalogue: JobCatalogue,
  ) {}

  /** Throws when a definition names a job this api does not know, so the api refuses to start. */
  async register(definitions: readonly ScheduleDefinition[], now: number): Promise<void> {
    const names = new Set<string>();
    for (const definition of definitions) {
      if (names.has(definition.name)) throw new TypeError(`Schedule "${definition.name}" is declared twice in code`);
      names.add(definition.name);
      if (this.catalogue.get(definition.job.name) !== definition.job) {
        throw new TypeError(
          `Schedule "${definition.name}" dispatches job "${definition.job.name}", which is not among the app's job definitions`,
        );
      }
    }
    for (const definition of definitions) {
      const existing = await this.store.get(definition.name);
      if (existing?.source === 'api')
        this.logger.warn(`Schedule ${definition.name} is now declared in code; it replaces the one made over HTTP`);
      const { created } = await this.store.upsert(
        {
          name: definition.name,
          cron: definition.cron,
          timezone: definition.timezone,
          type: definition.job.name,
          payload: definition.payload,
          options: scheduleOptionsToWire(definition.options),
          source: 'code',
        },
        new CronExpression(definition.cron, definition.timezone).nextAfter(now),
        now,
      );
      if (created)
        this.logger.log(
          `Schedule ${definition.name} (${definition.job.name}, "${definition.cron}" ${definition.timezone}) created from code`,
        );
    }
    for (const name of await this.store.deleteCodeSchedulesExcept([...names])) {
      this.logger.log(`Schedule ${name} deleted: it is no longer declared in code`);
    }
  }
}
