import { loggerParams } from '@cask/logging';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { WorkerConfig } from './config/worker-config';
import { EmailHandler } from './examples/email.handler';
import { FaultHandler } from './examples/fault.handler';
import { FlakyHandler } from './examples/flaky.handler';
import { VideoHandler } from './examples/video.handler';
import { RethrowJobErrorsFilter } from './transport/rethrow-job-errors.filter';
import { WorkerTransportModule } from './transport/worker-transport.module';

/** The worker's handlers. Add yours to `controllers`; the transport finds them by their @JobHandler. */
@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      // pino for Nest's Logger; HTTP requests (health and metrics scrapes) are not worth a line each.
      imports: [
        LoggerModule.forRoot(loggerParams({ name: 'cask-worker', level: config.logLevel, format: config.logFormat, http: { autoLogging: false } })),
        WorkerTransportModule.forRoot(config),
      ],
      controllers: [EmailHandler, VideoHandler, FlakyHandler, FaultHandler],
      providers: [
        { provide: WorkerConfig, useValue: config },
        { provide: APP_FILTER, useClass: RethrowJobErrorsFilter },
      ],
    };
  }
}
