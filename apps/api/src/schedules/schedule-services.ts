import { JobCatalogue } from '@cask/contracts';
import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import type { Database } from '../store/schema';
import { DATABASE } from '../tokens';
import { KyselyScheduleStore } from './kysely-schedule-store';
import { ScheduleStore } from './schedule-store';

/**
 * The dispatcher, the job catalogue and the schedule store (over the job store's database), for the
 * scheduler and the controller. They come from ApiModule, which is global for its feature modules.
 */
@Injectable()
export class ScheduleServices {
  readonly store: ScheduleStore;

  constructor(
    readonly dispatcher: AsyncDispatcher,
    readonly catalogue: JobCatalogue,
    @Inject(DATABASE) database: Kysely<Database>,
  ) {
    this.store = new KyselyScheduleStore(database);
  }
}
