import { JobCatalogue } from '@cask/contracts';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Kysely } from 'kysely';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import type { Database } from '../store/schema';
import { DATABASE } from '../tokens';
import { KyselyScheduleStore } from './kysely-schedule-store';
import { ScheduleStore } from './schedule-store';

/**
 * The dispatcher, the job catalogue and the schedule store (over the job store's database), for the
 * scheduler and the controller. The first two and the database are ApiModule's providers, and ApiModule
 * imports SchedulesModule: Nest lets a module inject only its own and its imports' providers, never its
 * importer's, and importing ApiModule back would be a cycle (forwardRef). So they are looked up in the
 * app once every provider exists, which is before any `onApplicationBootstrap` and any request.
 */
@Injectable()
export class ScheduleServices implements OnModuleInit {
  dispatcher: AsyncDispatcher;
  catalogue: JobCatalogue;
  store: ScheduleStore;

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    this.dispatcher = this.moduleRef.get(AsyncDispatcher, { strict: false });
    this.catalogue = this.moduleRef.get(JobCatalogue, { strict: false });
    this.store = new KyselyScheduleStore(this.moduleRef.get<symbol, Kysely<Database>>(DATABASE, { strict: false }));
  }
}
