import { AmqpConnection, ConfirmPublisher, QueueInspector, declareControlStream, declareEventQueue, declareJobQueues } from '@cask/amqp';
import { CaskTopology, JOB_DEFINITIONS, JobCatalogue, signerFor, topologyFor } from '@cask/contracts';
import { MetricsController, createMetricsRegistry } from '@cask/observability';
import { DynamicModule, Logger, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { JobActivity } from './activity/job-activity';
import { ApiKeyGuard, RequestLimits } from './auth/api-key.guard';
import { ApiKeyRing } from './auth/api-keys';
import { WhoamiController } from './auth/whoami.controller';
import { ApiBroker } from './broker/api-broker';
import { ApiConfig } from './config/api-config';
import { DashboardModule } from './dashboard/dashboard.module';
import { AmqpAsyncDispatcher } from './dispatcher/amqp-async-dispatcher';
import { AsyncDispatcher } from './dispatcher/async-dispatcher';
import { JobCanceller } from './dispatcher/job-canceller';
import { JobRedriver } from './dispatcher/job-redriver';
import { JobEventBus } from './events/job-event-bus';
import { JobEventConsumer } from './events/job-event.consumer';
import { ExamplesController } from './examples/examples.controller';
import { HealthModule } from './health/health.module';
import { JobsController } from './http/jobs.controller';
import { apiHttpLogger, apiLoggerParams } from './http/request-logging';
import { StatsController } from './http/stats.controller';
import { DispatchQuota } from './limits/dispatch-quota';
import { RequestLimiter } from './limits/request-limiter';
import { LiveEventsModule } from './live/live-events.module';
import { ApiGauges } from './metrics/api-gauges';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { JobMetrics } from './metrics/job-metrics';
import { OutboxRelay } from './outbox/outbox-relay';
import { RetentionSweeper } from './retention/retention-sweeper';
import { SchedulesModule } from './schedules/schedules.module';
import { JobStore } from './store/job-store';
import { KyselyJobStore } from './store/kysely-job-store';
import { PostgresJobStore } from './store/postgres-job-store';
import { SqliteJobStore } from './store/sqlite-job-store';
import { SystemStatus } from './system/system-status';
import { SystemController } from './system/system.controller';
import { CASK_TOPOLOGY, DATABASE, HTTP_LOGGER } from './tokens';
import { WorkersModule } from './workers/workers.module';

/** The api: HTTP endpoints, the dispatcher, the event consumer and the job store. */
@Module({})
export class ApiModule implements NestModule {
  static forRoot(config: ApiConfig): DynamicModule {
    if (config.apiKeys.length === 0) {
      new Logger(ApiModule.name).warn('CASK_API_KEYS is not set: the api is open, every request acts for the "default" tenant');
    }
    const httpLogger = apiHttpLogger(config);
    return {
      module: ApiModule,
      // Global so its feature modules (schedules, live events, workers) can inject what it exports.
      global: true,
      imports: [LoggerModule.forRoot(apiLoggerParams(httpLogger)), SchedulesModule, LiveEventsModule, WorkersModule, HealthModule, DashboardModule],
      controllers: [JobsController, StatsController, SystemController, WhoamiController, ExamplesController, MetricsController],
      providers: [
        { provide: ApiConfig, useValue: config },
        { provide: HTTP_LOGGER, useValue: httpLogger },
        { provide: ApiKeyRing, useValue: new ApiKeyRing(config.apiKeys) },
        {
          provide: RequestLimits,
          useValue: new RequestLimits(new RequestLimiter(config.rateLimitPerSecond, 'requests'), new RequestLimiter(config.rateLimitPerSecond, 'requests')),
        },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        {
          provide: DispatchQuota,
          inject: [JobStore],
          useFactory: (store: JobStore) =>
            new DispatchQuota({ perSecond: config.dispatchRateLimitPerSecond, maxWaiting: config.maxQueuedJobsPerTenant }, (tenant) => store.countWaiting(tenant)),
        },
        { provide: CASK_TOPOLOGY, useValue: topologyFor(config.namespace) },
        { provide: JobCatalogue, useValue: new JobCatalogue(JOB_DEFINITIONS) },
        // This app instance's own registry: several apps in one process (tests) never share metrics.
        { provide: Registry, useFactory: createMetricsRegistry },
        JobMetrics,
        {
          // One for the metrics and GET /system alike: the broker is asked at most once a second in all.
          provide: QueueInspector,
          inject: [AmqpConnection, CASK_TOPOLOGY, JobCatalogue],
          useFactory: (connection: AmqpConnection, topology: CaskTopology, catalogue: JobCatalogue) =>
            new QueueInspector(connection, [...catalogue.queues().map(topology.jobQueue), topology.deadLetterQueue, topology.eventsQueue]),
        },
        ApiGauges,
        JobActivity,
        SystemStatus,
        {
          provide: JobStore,
          useFactory: async () => {
            const store = config.databaseUrl ? new PostgresJobStore(config.databaseUrl, config.databasePoolSize) : new SqliteJobStore(config.sqlitePath);
            await store.migrate();
            return store;
          },
        },
        { provide: AmqpConnection, useFactory: () => new AmqpConnection({ url: config.amqpUrl, connectionName: 'cask-api', ca: config.brokerCa }) },
        {
          provide: ConfirmPublisher,
          inject: [AmqpConnection, CASK_TOPOLOGY, JobCatalogue],
          useFactory: (connection: AmqpConnection, topology: CaskTopology, catalogue: JobCatalogue) =>
            new ConfirmPublisher(connection, {
              name: 'jobs',
              confirmTimeoutMs: config.publishConfirmTimeoutMs,
              signer: signerFor(config.signingKeys),
              // The api publishes to job queues and reads events: it declares both, so neither app depends
              // on the other having started first.
              setup: async (channel) => {
                await declareJobQueues(channel, topology, catalogue.queues());
                await declareEventQueue(channel, topology);
                await declareControlStream(channel, topology);
              },
            }),
        },
        ApiBroker,
        {
          provide: OutboxRelay,
          inject: [JobStore, ConfirmPublisher, AmqpConnection, CASK_TOPOLOGY],
          useFactory: (store: JobStore, publisher: ConfirmPublisher, connection: AmqpConnection, topology: CaskTopology) =>
            new OutboxRelay(store, publisher, connection, topology, config),
        },
        {
          provide: AsyncDispatcher,
          inject: [JobStore, OutboxRelay, JobMetrics],
          useFactory: (store: JobStore, relay: OutboxRelay, metrics: JobMetrics) => new AmqpAsyncDispatcher(store, relay, config, metrics),
        },
        JobRedriver,
        JobCanceller,
        RetentionSweeper,
        JobEventBus,
        {
          provide: DATABASE,
          inject: [JobStore],
          useFactory: (store: JobStore) => (store as KyselyJobStore).database,
        },
        {
          provide: JobEventConsumer,
          inject: [AmqpConnection, JobStore, ConfirmPublisher, CASK_TOPOLOGY, JobEventBus, JobMetrics],
          useFactory: (connection: AmqpConnection, store: JobStore, publisher: ConfirmPublisher, topology: CaskTopology, bus: JobEventBus, metrics: JobMetrics) =>
            new JobEventConsumer(connection, store, publisher, topology, config, bus, metrics),
        },
      ],
      exports: [
        AsyncDispatcher,
        DispatchQuota,
        ApiConfig,
        HTTP_LOGGER,
        CASK_TOPOLOGY,
        JobCatalogue,
        JobStore,
        DATABASE,
        JobEventBus,
        ConfirmPublisher,
        AmqpConnection,
        JobMetrics,
        OutboxRelay,
        JobEventConsumer,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // Every request, matched or not, so that 404s and refused bodies are counted too.
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
