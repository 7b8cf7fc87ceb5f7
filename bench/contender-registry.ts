import type { ContenderSpec } from './contender';

/**
 * Every contender, in the order of the table. Modules load lazily, so a runner process holds only the
 * contender it runs and its peak RSS is that contender's.
 */
export const CONTENDERS: readonly ContenderSpec[] = [
  {
    id: 'raw-amqp',
    title: 'amqplib round trip (limit)',
    load: async () => (await import('./contenders/raw-amqp.contender')).createRawAmqpContender,
  },
  {
    id: 'cask-sqlite',
    title: 'Cask AsyncDispatcher, SQLite',
    bulkApi: 'dispatchMany',
    load: async () => (await import('./contenders/cask-dispatcher.contender')).createCaskSqliteContender,
  },
  {
    id: 'cask-groups',
    title: 'Cask AsyncDispatcher, SQLite, jobs in 10 groups',
    bulkApi: 'dispatchMany',
    load: async () => (await import('./contenders/cask-dispatcher.contender')).createCaskGroupsContender,
  },
  {
    id: 'cask-quorum',
    title: 'Cask AsyncDispatcher, SQLite, quorum job queues',
    bulkApi: 'dispatchMany',
    load: async () => (await import('./contenders/cask-dispatcher.contender')).createCaskQuorumContender,
  },
  {
    id: 'cask-postgres',
    title: 'Cask AsyncDispatcher, PostgreSQL',
    bulkApi: 'dispatchMany',
    load: async () => (await import('./contenders/cask-dispatcher.contender')).createCaskPostgresContender,
  },
  {
    id: 'cask-http',
    title: 'Cask POST /jobs over HTTP, SQLite',
    bulkApi: 'POST /jobs/batch',
    load: async () => (await import('./contenders/cask-http.contender')).createCaskHttpContender,
  },
  {
    id: 'cask-http-postgres',
    title: 'Cask POST /jobs over HTTP, PostgreSQL',
    bulkApi: 'POST /jobs/batch',
    load: async () => (await import('./contenders/cask-http.contender')).createCaskHttpPostgresContender,
  },
  {
    id: 'cask-http-postgres-limits',
    title: 'Cask POST /jobs over HTTP, PostgreSQL, tenant limits counted in the store',
    bulkApi: 'POST /jobs/batch',
    load: async () => (await import('./contenders/cask-http.contender')).createCaskHttpPostgresLimitsContender,
  },
  {
    id: 'bare-http',
    title: 'Bare Nest POST → 202 (HTTP ceiling)',
    load: async () => (await import('./contenders/bare-http.contender')).createBareHttpContender,
  },
  {
    id: 'bare-fastify',
    title: 'Bare Nest on Fastify POST → 202 (the api’s platform)',
    load: async () => (await import('./contenders/bare-http.contender')).createBareFastifyContender,
  },
  {
    id: 'bullmq',
    title: 'BullMQ, Redis',
    bulkApi: 'addBulk',
    load: async () => (await import('./contenders/bullmq.contender')).createBullmqContender,
  },
  {
    id: 'bullmq-aof',
    title: 'BullMQ, Redis with AOF everysec',
    durablePeer: true,
    bulkApi: 'addBulk',
    load: async () => (await import('./contenders/bullmq.contender')).createBullmqAofContender,
  },
  {
    id: 'bullmq-postgres',
    title: 'BullMQ, PostgreSQL backend',
    durablePeer: true,
    bulkApi: 'addBulk',
    load: async () => (await import('./contenders/bullmq.contender')).createBullmqPostgresContender,
  },
  {
    id: 'pg-boss',
    title: 'pg-boss, PostgreSQL',
    durablePeer: true,
    bulkApi: 'insert',
    load: async () => (await import('./contenders/pg-boss.contender')).createPgBossContender,
  },
  {
    id: 'graphile-worker',
    title: 'graphile-worker, PostgreSQL',
    durablePeer: true,
    bulkApi: 'addJobs',
    load: async () => (await import('./contenders/graphile-worker.contender')).createGraphileWorkerContender,
  },
  {
    id: 'nest-rmq',
    title: 'Nest RMQ transport, durable (one-way)',
    load: async () => (await import('./contenders/nest-rmq.contender')).createNestRmqContender,
  },
];

/** The durable peers, by id: the job systems that keep their jobs on disk as Cask does. */
export const DURABLE_PEERS: readonly string[] = CONTENDERS.filter((c) => c.durablePeer).map((c) => c.id);
