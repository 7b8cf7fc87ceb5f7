import { AmqpConnection, ConfirmPublisher, QueueInspector, declareControlStream, declareEventQueue, declareJobQueues } from '@cask/core';
import { CaskTopology, ConfigError, JobCatalogue, JobDefinition, MAX_PACK_JOBS, ScheduleDefinition, topologyFor } from '@cask/contracts';
import { DynamicModule, Inject, Injectable, Module, Provider } from '@nestjs/common';
import { CaskBroker } from './broker/cask-broker';
import { CASK_ASYNC_OPTIONS_TYPE, CASK_MODULE_OPTIONS, CASK_OPTIONS_TYPE, CaskConfigurableModule } from './cask.module-definition';
import type { CaskModuleOptions } from './cask-options';
import { CaskSigning } from './cask-signing';
import { AmqpAsyncDispatcher } from './dispatcher/amqp-async-dispatcher';
import { AsyncDispatcher } from './dispatcher/async-dispatcher';
import { DispatcherOptions } from './dispatcher/dispatcher.options';
import { JobCanceller } from './dispatcher/job-canceller';
import { JobRedriver } from './dispatcher/job-redriver';
import { FlowCanceller } from './flows/flow-canceller';
import { FlowGate } from './flows/flow-gate';
import { GroupGate } from './groups/group-gate';
import { GroupGateOptions } from './groups/group-gate.options';
import { GroupStore } from './store/group-store';
import { KyselyGroupStore } from './store/kysely-group-store';
import { FlowStore } from './store/flow-store';
import { KyselyFlowStore } from './store/kysely-flow-store';
import { DeadLetterActions } from './dead-letters/dead-letter-actions';
import { DeadLetterConsumer } from './dead-letters/dead-letter.consumer';
import { DeadLetterStore } from './store/dead-letter-store';
import { KyselyDeadLetterStore } from './store/kysely-dead-letter-store';
import { JobEventBus } from './events/job-event-bus';
import { JobEventConsumer } from './events/job-event.consumer';
import { JobEventConsumerOptions } from './events/job-event-consumer.options';
import { DispatchLimits, DispatchQuota } from './limits/dispatch-quota';
import { SharedRateLimits } from './limits/shared-rate-limits';
import { JobMetrics } from './metrics/job-metrics';
import { OutboxRelay } from './outbox/outbox-relay';
import { OutboxRelayOptions } from './outbox/outbox-relay.options';
import { RetentionOptions } from './retention/retention.options';
import { RetentionSweeper } from './retention/retention-sweeper';
import { CodeSchedules } from './schedules/code-schedules';
import { KyselyScheduleStore } from './schedules/kysely-schedule-store';
import { ScheduleStore } from './schedules/schedule-store';
import { Scheduler } from './schedules/scheduler';
import { CaskDatabase, openCaskDatabase } from './store/cask-database';
import { CaskStoreLifecycle } from './store/cask-store-lifecycle';
import { IdempotencyStore } from './store/idempotency-store';
import { JobStore } from './store/job-store';
import { KyselyIdempotencyStore } from './store/kysely-idempotency-store';
import { KyselyJobStore } from './store/kysely-job-store';
import { KyselyOutboxStore } from './store/kysely-outbox-store';
import { KyselyRetentionStore } from './store/kysely-retention-store';
import { KyselyStatsStore } from './store/kysely-stats-store';
import { KyselyQueueStateStore } from './store/kysely-queue-state-store';
import { QueueStateStore } from './store/queue-state-store';
import { QueueControls } from './queues/queue-controls';
import { OutboxStore } from './store/outbox-store';
import { RetentionStore } from './store/retention-store';
import { StatsStore } from './store/stats-store';
import { CASK_DATABASE, CASK_TOPOLOGY } from './tokens';
import { HeartbeatConsumer } from './workers/heartbeat.consumer';
import { LeaseStore } from './workers/lease-store';
import { RateTokenTicker } from './workers/rate-token.ticker';
import { SilentWorkerSweeper } from './events/silent-worker.sweeper';
import { WorkerRegistry } from './workers/worker-registry';
import { PackGate } from './outbox/pack-gate';
import { WorkersOptions } from './workers/workers.options';

const SECOND = 1000;
const DAY = 24 * 3600 * SECOND;

/** The defaults of {@link CaskModuleOptions}, as their TSDoc gives them. */
const DEFAULTS = {
  namespace: 'cask',
  confirmTimeoutMs: 10 * SECOND,
  outboxMaxBacklog: 10_000,
  outboxPollMs: SECOND,
  outboxPackMaxJobs: 20,
  eventBatchSize: 500,
  idempotencyTtlMs: DAY,
  retentionSweepMs: 60 * SECOND,
  tombstoneTtlMs: 30 * DAY,
  deadLetterRetentionMs: 30 * DAY,
  dispatchRatePerSecond: 5000,
  maxQueuedJobsPerTenant: 100_000,
  workersTimeoutMs: 15 * SECOND,
  shutdownGraceMs: 10 * SECOND,
  groupBuffer: 64,
  groupPassMs: SECOND,
} as const;

/** A component's own options, read off the module's. */
function settings<T>(provide: abstract new (...args: never[]) => T, read: (options: CaskModuleOptions) => T): Provider {
  return { provide, inject: [CASK_MODULE_OPTIONS], useFactory: read };
}

/** `outbox.packMaxJobs`, checked: a pack larger than workers accept would be dead-lettered whole. */
function packMaxJobs(value: number | undefined): number {
  if (value === undefined) return DEFAULTS.outboxPackMaxJobs;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PACK_JOBS) {
    throw new ConfigError([`outbox.packMaxJobs: must be an integer from 1 to ${MAX_PACK_JOBS}`]);
  }
  return value;
}

/** An optional setting that must be a positive integer. */
function positive(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new ConfigError([`${name}: must be a positive integer`]);
  return value;
}

const grace = (o: CaskModuleOptions) => o.shutdownGraceMs ?? DEFAULTS.shutdownGraceMs;
const toMap = (record: Readonly<Record<string, number>> | undefined) => new Map(Object.entries(record ?? {}));

const SETTINGS: Provider[] = [
  settings(OutboxRelayOptions, (o) => ({
    maxBacklog: o.outbox?.maxBacklog ?? DEFAULTS.outboxMaxBacklog,
    pollMs: o.outbox?.pollMs ?? DEFAULTS.outboxPollMs,
    packMaxJobs: packMaxJobs(o.outbox?.packMaxJobs),
    confirmTimeoutMs: o.broker.confirmTimeoutMs ?? DEFAULTS.confirmTimeoutMs,
    shutdownGraceMs: grace(o),
  })),
  settings(JobEventConsumerOptions, (o) => ({ batchSize: o.eventBatchSize ?? DEFAULTS.eventBatchSize, shutdownGraceMs: grace(o) })),
  settings(DispatcherOptions, (o) => ({
    idempotencyTtlMs: o.idempotencyTtlMs ?? DEFAULTS.idempotencyTtlMs,
    maxPayloadBytes: toMap(o.maxPayloadBytes),
  })),
  settings(RetentionOptions, (o) => ({
    jobRetentionMs: o.retention?.jobRetentionMs,
    sweepMs: o.retention?.sweepMs ?? DEFAULTS.retentionSweepMs,
    tombstoneTtlMs: o.retention?.tombstoneTtlMs ?? DEFAULTS.tombstoneTtlMs,
    deadLetterRetentionMs: o.retention?.deadLetterRetentionMs ?? DEFAULTS.deadLetterRetentionMs,
    shutdownGraceMs: grace(o),
  })),
  settings(WorkersOptions, (o) => ({
    timeoutMs: o.workers?.timeoutMs ?? DEFAULTS.workersTimeoutMs,
    rateLimits: toMap(o.workers?.rateLimits),
    shutdownGraceMs: grace(o),
  })),
  settings(DispatchLimits, (o) => ({
    perSecond: o.limits?.dispatchRatePerSecond ?? DEFAULTS.dispatchRatePerSecond,
    maxWaiting: o.limits?.maxQueuedJobsPerTenant ?? DEFAULTS.maxQueuedJobsPerTenant,
  })),
  settings(GroupGateOptions, (o) => ({
    buffer: positive('groups.buffer', o.groups?.buffer) ?? DEFAULTS.groupBuffer,
    passMs: positive('groups.passMs', o.groups?.passMs) ?? DEFAULTS.groupPassMs,
  })),
  settings(CaskSigning, (o) => new CaskSigning(o.signingKeys ?? [])),
  {
    provide: CASK_TOPOLOGY,
    inject: [CASK_MODULE_OPTIONS],
    useFactory: (o: CaskModuleOptions) => topologyFor(o.namespace ?? DEFAULTS.namespace, o.jobQueueType),
  },
  { provide: JobCatalogue, inject: [CASK_MODULE_OPTIONS], useFactory: (o: CaskModuleOptions) => new JobCatalogue(o.jobs ?? []) },
  { provide: CodeSchedules, inject: [CASK_MODULE_OPTIONS], useFactory: (o: CaskModuleOptions) => new CodeSchedules(o.schedules ?? []) },
];

const BROKER: Provider[] = [
  {
    provide: AmqpConnection,
    inject: [CASK_MODULE_OPTIONS],
    useFactory: (o: CaskModuleOptions) =>
      new AmqpConnection({ url: o.broker.url, connectionName: o.broker.connectionName ?? 'cask-api', ca: o.broker.ca }),
  },
  {
    provide: ConfirmPublisher,
    inject: [AmqpConnection, CASK_TOPOLOGY, JobCatalogue, OutboxRelayOptions, CaskSigning],
    useFactory: (
      connection: AmqpConnection,
      topology: CaskTopology,
      catalogue: JobCatalogue,
      outbox: OutboxRelayOptions,
      signing: CaskSigning,
    ) =>
      new ConfirmPublisher(connection, {
        name: 'jobs',
        confirmTimeoutMs: outbox.confirmTimeoutMs,
        signer: signing.signer,
        // The api publishes to job queues and reads events: it declares both, so neither app depends on
        // the other having started first. Read at each (re)connect, once the catalogue is complete.
        setup: async (channel) => {
          await declareJobQueues(channel, topology, catalogue.queues());
          await declareEventQueue(channel, topology);
          await declareControlStream(channel, topology);
        },
      }),
  },
  {
    // One for the metrics and GET /system alike: the broker is asked at most once a second in all.
    provide: QueueInspector,
    inject: [AmqpConnection, CASK_TOPOLOGY, JobCatalogue],
    useFactory: (connection: AmqpConnection, topology: CaskTopology, catalogue: JobCatalogue) =>
      new QueueInspector(connection, () => [...catalogue.queues().map(topology.jobQueue), topology.deadLetterQueue, topology.eventsQueue]),
  },
  CaskBroker,
];

/** A store over Cask's database. */
function over<T>(provide: abstract new (...args: never[]) => T, make: (database: CaskDatabase) => T): Provider {
  return { provide, inject: [CaskDatabase], useFactory: make };
}

const STORES: Provider[] = [
  {
    provide: CaskDatabase,
    inject: [CASK_MODULE_OPTIONS],
    useFactory: async (o: CaskModuleOptions) => {
      const database = openCaskDatabase(o.store);
      await database.migrate();
      return database;
    },
  },
  { provide: CASK_DATABASE, inject: [CaskDatabase], useFactory: (database: CaskDatabase) => database.db },
  over(JobStore, (database) => new KyselyJobStore(database)),
  over(OutboxStore, (database) => new KyselyOutboxStore(database)),
  over(IdempotencyStore, (database) => new KyselyIdempotencyStore(database)),
  over(RetentionStore, (database) => new KyselyRetentionStore(database)),
  over(StatsStore, (database) => new KyselyStatsStore(database)),
  over(QueueStateStore, (database) => new KyselyQueueStateStore(database)),
  over(GroupStore, (database) => new KyselyGroupStore(database)),
  over(FlowStore, (database) => new KyselyFlowStore(database)),
  over(DeadLetterStore, (database) => new KyselyDeadLetterStore(database)),
  over(ScheduleStore, (database) => new KyselyScheduleStore(database.db)),
  over(WorkerRegistry, (database) => new WorkerRegistry(database.db)),
  over(LeaseStore, (database) => new LeaseStore(database.db)),
  CaskStoreLifecycle,
];

const ENGINE: Provider[] = [
  JobMetrics,
  PackGate,
  OutboxRelay,
  { provide: AsyncDispatcher, useClass: AmqpAsyncDispatcher },
  JobRedriver,
  JobCanceller,
  DispatchQuota,
  SharedRateLimits,
  RetentionSweeper,
  JobEventBus,
  JobEventConsumer,
  Scheduler,
  HeartbeatConsumer,
  SilentWorkerSweeper,
  RateTokenTicker,
  QueueControls,
  GroupGate,
  FlowGate,
  FlowCanceller,
  DeadLetterConsumer,
  DeadLetterActions,
];

/**
 * Cask's engine in a Nest app: the {@link AsyncDispatcher}, the job store, the outbox relay, the consumer of
 * worker events, the scheduler, retention, and the api's side of the worker pool. It adds no route, guard,
 * middleware or logger: import `CaskHttpModule`, `CaskDashboardModule`, `CaskAuthModule`, `CaskMetricsModule`
 * or `CaskHealthModule` for those.
 *
 * ```ts
 * @Module({
 *   imports: [CaskModule.forRoot({ jobs: [WelcomeEmail], broker: { url: process.env.AMQP_URL } })],
 * })
 * export class AppModule {}
 * ```
 *
 * Global by default (`isGlobal: false` to opt out), so any module can inject the dispatcher.
 */
@Module({
  providers: [...SETTINGS, ...BROKER, ...STORES, ...ENGINE],
  exports: [
    AsyncDispatcher,
    JobCatalogue,
    CodeSchedules,
    CASK_TOPOLOGY,
    CASK_DATABASE,
    CaskSigning,
    AmqpConnection,
    ConfirmPublisher,
    QueueInspector,
    CaskBroker,
    CaskDatabase,
    JobStore,
    OutboxStore,
    IdempotencyStore,
    RetentionStore,
    StatsStore,
    QueueStateStore,
    QueueControls,
    GroupStore,
    GroupGate,
    FlowStore,
    FlowGate,
    FlowCanceller,
    DeadLetterStore,
    DeadLetterActions,
    DeadLetterConsumer,
    ScheduleStore,
    WorkerRegistry,
    JobMetrics,
    OutboxRelay,
    OutboxRelayOptions,
    PackGate,
    WorkersOptions,
    JobRedriver,
    JobCanceller,
    DispatchQuota,
    SharedRateLimits,
    JobEventBus,
    JobEventConsumer,
    HeartbeatConsumer,
    Scheduler,
  ],
})
export class CaskModule extends CaskConfigurableModule {
  static override forRoot(options: typeof CASK_OPTIONS_TYPE): DynamicModule {
    return super.forRoot(options);
  }

  static override forRootAsync(options: typeof CASK_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }

  /**
   * Adds job types (and code schedules) from a feature module, beside those given to `forRoot`. Import it
   * in the module that owns the jobs; `CaskModule.forRoot` must be imported once in the app.
   */
  static forFeature(feature: { jobs?: readonly JobDefinition[]; schedules?: readonly ScheduleDefinition[] }): DynamicModule {
    return { module: CaskFeatureModule, providers: [{ provide: CASK_FEATURE, useValue: feature }, CaskFeatureRegistrar] };
  }
}

const CASK_FEATURE = Symbol('cask:feature');

/** Adds a feature's jobs and schedules to the app's while the app is being built, before any is read. */
@Injectable()
class CaskFeatureRegistrar {
  constructor(
    @Inject(CASK_FEATURE) feature: { jobs?: readonly JobDefinition[]; schedules?: readonly ScheduleDefinition[] },
    catalogue: JobCatalogue,
    schedules: CodeSchedules,
  ) {
    catalogue.add(feature.jobs ?? []);
    schedules.add(feature.schedules ?? []);
  }
}

@Module({})
class CaskFeatureModule {}
