import { AmqpConnection, ConfirmPublisher, declareControlStream, declareEventQueue, declareJobQueues } from '@cask/amqp';
import { CaskTopology, JOB_DEFINITIONS, JobCatalogue, signerFor, topologyFor } from '@cask/contracts';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ApiBroker } from './broker/api-broker';
import { ApiConfig } from './config/api-config';
import { AmqpAsyncDispatcher } from './dispatcher/amqp-async-dispatcher';
import { AsyncDispatcher } from './dispatcher/async-dispatcher';
import { JobCanceller } from './dispatcher/job-canceller';
import { JobRedriver } from './dispatcher/job-redriver';
import { RetentionSweeper } from './retention/retention-sweeper';
import { SchedulesModule } from './schedules/schedules.module';
import { JobEventBus } from './events/job-event-bus';
import { JobEventConsumer } from './events/job-event.consumer';
import { KyselyJobStore } from './store/kysely-job-store';
import { OutboxRelay } from './outbox/outbox-relay';
import { ExamplesController } from './examples/examples.controller';
import { HealthController } from './health/health.controller';
import { JobsController } from './http/jobs.controller';
import { apiHttpLogger, apiLoggerParams } from './http/request-logging';
import { LiveEventsModule } from './live/live-events.module';
import { JobStore } from './store/job-store';
import { PostgresJobStore } from './store/postgres-job-store';
import { SqliteJobStore } from './store/sqlite-job-store';
import { CASK_TOPOLOGY, DATABASE, HTTP_LOGGER } from './tokens';
import { WorkersModule } from './workers/workers.module';

/** The api: HTTP endpoints, the dispatcher, the event consumer and the job store. */
@Module({})
export class ApiModule {
  static forRoot(config: ApiConfig): DynamicModule {
    const httpLogger = apiHttpLogger(config);
    return {
      module: ApiModule,
      // Global so its feature modules (schedules, live events, workers) can inject what it exports.
      global: true,
      imports: [LoggerModule.forRoot(apiLoggerParams(httpLogger)), SchedulesModule, LiveEventsModule, WorkersModule],
      controllers: [JobsController, ExamplesController, HealthController],
      providers: [
        { provide: ApiConfig, useValue: config },
        { provide: HTTP_LOGGER, useValue: httpLogger },
        { provide: CASK_TOPOLOGY, useValue: topologyFor(config.namespace) },
        { provide: JobCatalogue, useValue: new JobCatalogue(JOB_DEFINITIONS) },
        {
          provide: JobStore,
          useFactory: async () => {
            const store = config.databaseUrl ? new PostgresJobStore(config.databaseUrl, config.databasePoolSize) : new SqliteJobStore(config.sqlitePath);
            await store.migrate();
            return store;
          },
        },
        { provide: AmqpConnection, useFactory: () => new AmqpConnection({ url: config.amqpUrl, connectionName: 'cask-api' }) },
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
          inject: [JobStore, OutboxRelay],
          useFactory: (store: JobStore, relay: OutboxRelay) => new AmqpAsyncDispatcher(store, relay, config),
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
          inject: [AmqpConnection, JobStore, ConfirmPublisher, CASK_TOPOLOGY, JobEventBus],
          useFactory: (connection: AmqpConnection, store: JobStore, publisher: ConfirmPublisher, topology: CaskTopology, bus: JobEventBus) =>
            new JobEventConsumer(connection, store, publisher, topology, config, bus),
        },
      ],
      exports: [AsyncDispatcher, ApiConfig, HTTP_LOGGER, CASK_TOPOLOGY, JobCatalogue, JobStore, DATABASE, JobEventBus, ConfirmPublisher, AmqpConnection],
    };
  }
}
