import { JobCatalogue } from '@cask/contracts';
import { Injectable } from '@nestjs/common';
import { JobEventBus } from '../events/job-event-bus';
import { JobStore } from '../store/job-store';

/** The api's store, bus and job catalogue, for the live event streams (from the global ApiModule). */
@Injectable()
export class LiveSources {
  constructor(
    readonly store: JobStore,
    readonly bus: JobEventBus,
    readonly catalogue: JobCatalogue,
  ) {}
}
