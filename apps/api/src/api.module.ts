import { AmqpConnection, ConfirmPublisher, declareEventQueue, declareJobQueues } from '@cask/amqp';
import { CaskTopology, JOB_DEFINITIONS, JobCatalogue, topologyFor } from '@cask/contracts';
import { DynamicModule, Module } from '@nestjs/common';
import { ApiBroker } from './broker/api-broker';
import { ApiConfig } from './config/api-config';
import { AmqpAsyncDispatcher } from './dispatcher/amqp-async-dispatcher';
import { AsyncDispatcher } from './dispatcher/async-dispatcher';
import { JobRedriver } from './dispatcher/job-redriver';
import { JobEventConsumer } from './events/job-event.consumer';
import { OutboxRelay } from './outbox/outbox-relay';
import { ExamplesController } from './examples/examples.controller';
import { HealthController } from './health/health.controller';
import { JobsController } from './http/jobs.controller';
import { JobStore } from './store/job-store';
import { PostgresJobStore } from './store/postgres-job-store';
import { SqliteJobStore } from './store/sqlite-job-store';
import { CASK_TOPOLOGY } from './tokens';

/** The api: HTTP endpoints, the dispatcher, the event consumer and the job store. */
@Module({})
export class ApiModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      controllers: [JobsController, ExamplesController, HealthController],
      providers: [
        { provide: ApiConfig, useValue: config },
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
              // The api publishes to job queues and reads events: it declares both, so neither app depends
              // on the other having started first.
              setup: async (channel) => {
                await declareJobQueues(channel, topology, catalogue.queues());
                await declareEventQueue(channel, topology);
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
        {
          provide: JobEventConsumer,
          inject: [AmqpConnection, JobStore, ConfirmPublisher, CASK_TOPOLOGY],
          useFactory: (connection: AmqpConnection, store: JobStore, publisher: ConfirmPublisher, topology: CaskTopology) =>
            new JobEventConsumer(connection, store, publisher, topology, config),
        },
      ],
      exports: [AsyncDispatcher],
    };
  }
}
