import {
  AmqpConnection,
  AmqpHealthIndicator,
  ConfirmPublisher,
  declareControlStream,
  declareEventQueue,
  declareJobQueues,
  declareWorkersQueue,
} from '@cask/core';
import { CaskTopology, JobCatalogue, topologyFor } from '@cask/contracts';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import {
  CASK_WORKER_ASYNC_OPTIONS_TYPE,
  CASK_WORKER_OPTIONS,
  CASK_WORKER_OPTIONS_TYPE,
  CaskWorkerConfigurableModule,
} from './cask-worker.module-definition';
import { CaskWorkerHealthIndicator } from './health/cask-worker-health.indicator';
import { WorkerMetrics } from './metrics/worker-metrics';
import { WorkerPool } from './pool/worker-pool';
import { CASK_WORKER_TOPOLOGY } from './tokens';
import { AmqpJobServer } from './transport/amqp-job.server';
import { ControlListener } from './transport/control-listener';
import { EventPublisher } from './transport/event-publisher';
import { JobExecutor } from './transport/job-executor';
import { JobHandlers } from './transport/job-handlers';
import { JobOutcomes } from './transport/job-outcomes';
import type { CaskWorkerModuleOptions } from './worker-options';
import { WorkerSettings, workerSettings } from './worker-settings';
import { WorkerSigning } from './worker-signing';

const PROVIDERS: Provider[] = [
  { provide: WorkerSettings, inject: [CASK_WORKER_OPTIONS], useFactory: workerSettings },
  { provide: WorkerSigning, inject: [WorkerSettings], useFactory: (settings: WorkerSettings) => new WorkerSigning(settings.signingKeys) },
  {
    provide: CASK_WORKER_TOPOLOGY,
    inject: [CASK_WORKER_OPTIONS],
    useFactory: (o: CaskWorkerModuleOptions) => topologyFor(o.namespace ?? 'cask', o.jobQueueType),
  },
  { provide: JobCatalogue, inject: [CASK_WORKER_OPTIONS], useFactory: (o: CaskWorkerModuleOptions) => new JobCatalogue(o.jobs ?? []) },
  {
    provide: WorkerMetrics,
    inject: [CASK_WORKER_OPTIONS],
    useFactory: (o: CaskWorkerModuleOptions) => new WorkerMetrics(o.metricsRegistry),
  },
  {
    provide: AmqpConnection,
    inject: [CASK_WORKER_OPTIONS, WorkerSettings],
    useFactory: (o: CaskWorkerModuleOptions, settings: WorkerSettings) =>
      new AmqpConnection({ url: o.broker.url, connectionName: `cask-worker ${settings.workerId}`, ca: o.broker.ca }),
  },
  {
    provide: ConfirmPublisher,
    inject: [AmqpConnection, CASK_WORKER_TOPOLOGY, JobCatalogue, WorkerSettings, WorkerSigning],
    useFactory: (
      connection: AmqpConnection,
      topology: CaskTopology,
      catalogue: JobCatalogue,
      settings: WorkerSettings,
      signing: WorkerSigning,
    ) =>
      new ConfirmPublisher(connection, {
        name: 'events',
        confirmTimeoutMs: settings.confirmTimeoutMs,
        signer: signing.signer,
        setup: async (channel) => {
          await declareEventQueue(channel, topology);
          await declareJobQueues(channel, topology, catalogue.queues());
          await declareControlStream(channel, topology);
          await declareWorkersQueue(channel, topology);
        },
      }),
  },
  { provide: JobHandlers, useFactory: () => new JobHandlers() },
  {
    provide: EventPublisher,
    inject: [ConfirmPublisher, CASK_WORKER_TOPOLOGY],
    useFactory: (publisher: ConfirmPublisher, topology: CaskTopology) => new EventPublisher(publisher, topology),
  },
  {
    provide: JobOutcomes,
    inject: [ConfirmPublisher, CASK_WORKER_TOPOLOGY, WorkerMetrics],
    useFactory: (publisher: ConfirmPublisher, topology: CaskTopology, metrics: WorkerMetrics) =>
      new JobOutcomes(publisher, topology, metrics),
  },
  {
    provide: JobExecutor,
    inject: [EventPublisher, JobOutcomes, JobHandlers, WorkerSettings, WorkerMetrics],
    useFactory: (events: EventPublisher, outcomes: JobOutcomes, handlers: JobHandlers, settings: WorkerSettings, metrics: WorkerMetrics) =>
      new JobExecutor(
        events,
        outcomes,
        (type, payload, context) => handlers.invoke(type, payload, context),
        settings.workerId,
        metrics,
        settings.startedEventDelayMs,
      ),
  },
  {
    provide: ControlListener,
    inject: [AmqpConnection, ConfirmPublisher, CASK_WORKER_TOPOLOGY, JobExecutor, WorkerSigning],
    useFactory: (
      connection: AmqpConnection,
      publisher: ConfirmPublisher,
      topology: CaskTopology,
      executor: JobExecutor,
      signing: WorkerSigning,
    ) =>
      // The executor logs the cancel, with the running job's fields.
      new ControlListener(connection, publisher, topology, (jobId, series) => executor.cancel(jobId, series), signing.signer),
  },
  {
    // Throws a ConfigError naming queues and job types the options name but the catalogue does not know.
    provide: WorkerPool,
    inject: [WorkerSettings, JobCatalogue, CASK_WORKER_TOPOLOGY, AmqpConnection, ConfirmPublisher, JobExecutor, WorkerSigning],
    useFactory: (
      settings: WorkerSettings,
      catalogue: JobCatalogue,
      topology: CaskTopology,
      connection: AmqpConnection,
      publisher: ConfirmPublisher,
      executor: JobExecutor,
      signing: WorkerSigning,
    ) => new WorkerPool(settings, catalogue, topology, connection, publisher, () => executor.inFlight, signing.signer),
  },
  AmqpJobServer,
  AmqpHealthIndicator,
  CaskWorkerHealthIndicator,
];

/**
 * Cask's worker side: the transport strategy ({@link AmqpJobServer}) that consumes the job queues and runs
 * the `@JobHandler` methods of the app's controllers, wherever they are declared. Hand the strategy to Nest:
 *
 * ```ts
 * const app = await NestFactory.createMicroservice<AsyncMicroserviceOptions>(WorkerModule, {
 *   inject: [AmqpJobServer],
 *   useFactory: (strategy: AmqpJobServer) => ({ strategy }),
 * });
 * await app.listen();
 * ```
 */
@Module({
  imports: [TerminusModule],
  providers: PROVIDERS,
  exports: [AmqpJobServer, JobCatalogue, CaskWorkerHealthIndicator, CASK_WORKER_TOPOLOGY],
})
export class CaskWorkerModule extends CaskWorkerConfigurableModule {
  static override forRoot(options: typeof CASK_WORKER_OPTIONS_TYPE): DynamicModule {
    return super.forRoot(options);
  }

  static override forRootAsync(options: typeof CASK_WORKER_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
