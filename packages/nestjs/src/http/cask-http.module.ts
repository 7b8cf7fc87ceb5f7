import { DynamicModule, Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { JobActivity } from '../activity/job-activity';
import { WhoamiController } from '../auth/whoami.controller';
import { LiveEventsController } from '../live/live-events.controller';
import { LiveEventsOptions } from '../live/live-events.options';
import { LiveStreams } from '../live/live-streams';
import { SchedulesController } from '../schedules/schedules.controller';
import { SystemStatus } from '../system/system-status';
import { SystemController } from '../system/system.controller';
import { WorkersController } from '../workers/workers.controller';
import { CaskRoutes } from './cask-routes';
import { DeadLettersController } from './dead-letters.controller';
import { FlowsController } from './flows.controller';
import { GroupsController } from './groups.controller';
import { JobsController } from './jobs.controller';
import { QueuesController } from './queues.controller';
import { StatsController } from './stats.controller';

/** Options of `CaskHttpModule.forRoot`. */
export interface CaskHttpOptions {
  /**
   * A prefix for every Cask route (`'cask'` gives `POST /cask/jobs`), beside the host's global prefix if any.
   * @defaultValue `''` (`POST /jobs`, `GET /jobs/:id`, ...)
   */
  path?: string;
  /** The live event streams' timings. @defaultValue see {@link LiveEventsOptions} */
  liveEvents?: Partial<LiveEventsOptions>;
}

/**
 * Cask's HTTP routes: `POST /jobs` (and `/jobs/batch`), `GET /jobs`, `GET /jobs/:id`, cancel and retry,
 * `/schedules`, the event streams `GET /events` and `GET /jobs/:id/events`, `GET /stats`, `GET /workers`, `/queues`, `GET /groups`, `/flows`,
 * `GET /system` and `GET /auth/whoami`. JSON in `snake_case`, errors as `{"error", "details"}`; API keys
 * when `CaskAuthModule` is imported. Works under Express and Fastify.
 */
@Module({})
export class CaskHttpModule {
  static forRoot(options: CaskHttpOptions = {}): DynamicModule {
    const path = (options.path ?? '').replace(/^\/+|\/+$/g, '');
    const prefix = path ? `/${path}` : '';
    return {
      module: CaskHttpModule,
      imports: path ? [RouterModule.register([{ path, module: CaskHttpModule }])] : [],
      controllers: [
        JobsController,
        SchedulesController,
        LiveEventsController,
        StatsController,
        WorkersController,
        QueuesController,
        GroupsController,
        FlowsController,
        DeadLettersController,
        SystemController,
        WhoamiController,
      ],
      providers: [
        { provide: CaskRoutes, useValue: new CaskRoutes(`${prefix}/jobs`, `${prefix}/schedules`, `${prefix}/flows`) },
        JobActivity,
        SystemStatus,
        { provide: LiveEventsOptions, useValue: new LiveEventsOptions(options.liveEvents) },
        LiveStreams,
      ],
      // For @AcceptsJob on the host's own routes in the module that imports this one.
      exports: [CaskRoutes],
    };
  }
}
