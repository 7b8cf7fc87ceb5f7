import { JobCatalogue } from '@cask/contracts';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { JobEventBus } from '../events/job-event-bus';
import { JobStore } from '../store/job-store';

/**
 * The api's store, bus and job catalogue, for the live event streams. `ApiModule` imports
 * `LiveEventsModule` as one of its features, so injecting `ApiModule`'s providers through the
 * constructor would need a circular import; they are looked up in the application instead, once every
 * provider exists (`onModuleInit` runs after all of them are created).
 */
@Injectable()
export class LiveSources implements OnModuleInit {
  store: JobStore;
  bus: JobEventBus;
  catalogue: JobCatalogue;

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    this.store = this.moduleRef.get(JobStore, { strict: false });
    this.bus = this.moduleRef.get(JobEventBus, { strict: false });
    this.catalogue = this.moduleRef.get(JobCatalogue, { strict: false });
  }
}
