import { MetricsController, createMetricsRegistry, loggerParams } from '@cask/host';
import { CaskWorkerModule } from '@cask/worker';
import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { WorkerConfig } from './config/worker-config';
import { caskWorkerOptions } from './config/cask-worker-options';
import { WorkerHealthController } from './health/worker-health.controller';
import { JOB_HANDLERS } from './job-handlers';

/**
 * The reference worker: Cask's worker module, the handlers of `JOB_HANDLERS` (add yours there; the
 * transport finds them by their @JobHandler), and its own HTTP port for `/health/*` and `/metrics`.
 */
@Module({})
export class AppModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    // This worker's own registry: several apps in one process (tests) never share metrics.
    const registry = createMetricsRegistry();
    return {
      module: AppModule,
      imports: [
        // pino for Nest's Logger; HTTP requests (health and metrics scrapes) are not worth a line each.
        LoggerModule.forRoot(
          loggerParams({ name: 'cask-worker', level: config.logLevel, format: config.logFormat, http: { autoLogging: false } }),
        ),
        CaskWorkerModule.forRoot(caskWorkerOptions(config, registry)),
        // No terminus log line per failed probe: a broker outage would print one every few seconds.
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [...JOB_HANDLERS, WorkerHealthController, MetricsController],
      providers: [
        { provide: WorkerConfig, useValue: config },
        { provide: Registry, useValue: registry },
      ],
    };
  }
}
