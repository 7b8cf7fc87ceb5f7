import { JOB_DEFINITIONS, JobCatalogue, topologyFor } from '@cask/contracts';
import { AmqpHealthIndicator, MetricsController, createMetricsRegistry } from '@cask/observability';
import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Registry } from 'prom-client';
import { WorkerConfig } from '../config/worker-config';
import { WorkerHealthController } from '../health/worker-health.controller';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { AmqpJobServer } from './amqp-job.server';

/**
 * The worker's transport (`main.ts` connects it as the app's microservice) and the only HTTP endpoints
 * the worker serves, which report on it: `/health/live`, `/health/ready` and `/metrics`.
 */
@Module({})
export class WorkerTransportModule {
  /** @throws ConfigError naming queues and job types in the configuration that the catalogue does not know. */
  static forRoot(config: WorkerConfig): DynamicModule {
    // This worker's own registry: several apps in one process (tests) never share metrics.
    const registry = createMetricsRegistry();
    // Built here rather than by a provider factory, so that a bad configuration stops `main` with its
    // one clear error before Nest starts, as it did before the worker served HTTP.
    const server = new AmqpJobServer(config, topologyFor(config.namespace), new JobCatalogue(JOB_DEFINITIONS), new WorkerMetrics(registry));
    return {
      module: WorkerTransportModule,
      // No terminus log line per failed probe: a broker outage would print one every few seconds; the
      // connection logs its own state changes.
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [WorkerHealthController, MetricsController],
      providers: [{ provide: Registry, useValue: registry }, { provide: AmqpJobServer, useValue: server }, AmqpHealthIndicator],
      exports: [AmqpJobServer],
    };
  }
}
