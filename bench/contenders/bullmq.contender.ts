import { join } from 'node:path';
import type { Contender, RunContext } from '../contender';
import { createDatabase, databaseName } from '../support/cleanup';
import { OwnRedis, startRedisServer } from '../support/redis-server';
import { redisConnection } from '../support/services';
import { BullmqStore, openQueue } from './bullmq.store';
import { LibraryContender } from './library.contender';

/** Makes the store a run's queue lives in, and takes down what it started. */
interface StoreProvider {
  open(ctx: RunContext): Promise<BullmqStore>;
  /** Processes of the store that the bench started for this run, by role (counted for CPU and RSS). */
  processes(): Record<string, number>;
  close(): Promise<void>;
}

/** The shared local Redis (no persistence): the queue's keys are removed after the run. */
const sharedRedis = (): StoreProvider => ({
  async open(ctx) {
    ctx.track({ kind: 'bullmq-queue', name: ctx.prefix });
    const { host, port } = redisConnection();
    return { kind: 'redis', host, port };
  },
  processes: () => ({}),
  close: async () => undefined,
});

/**
 * A redis-server of the run's own that logs every write and fsyncs once a second, Redis's durable setting
 * (a crash loses at most about a second of jobs) with no RDB snapshots; its data folder goes with it.
 */
const aofRedis = (): StoreProvider => {
  let redis: OwnRedis | undefined;
  return {
    async open(ctx) {
      redis = await startRedisServer(ctx, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '']);
      return { kind: 'redis', host: redis.host, port: redis.port };
    },
    processes: (): Record<string, number> => (redis ? { 'redis-aof': redis.server.pid } : {}),
    close: async () => void (await redis?.server.stop()),
  };
};

/** A fresh PostgreSQL database, as for Cask's PostgreSQL row, through BullMQ's PostgreSQL backend. */
const freshPostgres = (): StoreProvider => ({
  async open(ctx) {
    const name = databaseName(ctx.prefix);
    ctx.track({ kind: 'postgres-database', name });
    return { kind: 'postgres', connectionString: await createDatabase(name) };
  },
  processes: () => ({}),
  close: async () => undefined,
});

/**
 * BullMQ on the store a provider makes: `add` one by one and `addBulk`, a Worker with the shared concurrency
 * in a child process. Completed jobs are kept (BullMQ's default), as Cask keeps its job rows.
 */
function bullmq(ctx: RunContext, provider: StoreProvider): Contender {
  return new LibraryContender(ctx, async () => {
    const name = ctx.prefix;
    const store = await provider.open(ctx);
    const queue = openQueue(name, store);
    await queue.waitUntilReady();
    return {
      producer: {
        add: (job) => queue.add('noop', job),
        addBulk: (jobs) => queue.addBulk(jobs.map((data) => ({ name: 'noop', data }))),
        close: () => queue.close(),
      },
      worker: {
        label: 'BullMQ worker',
        script: join(__dirname, 'bullmq.worker.js'),
        args: [name, String(ctx.options.concurrency), JSON.stringify(store)],
      },
      processes: () => provider.processes(),
      close: () => provider.close(),
    };
  });
}

export const createBullmqContender = (ctx: RunContext): Contender => bullmq(ctx, sharedRedis());
export const createBullmqAofContender = (ctx: RunContext): Contender => bullmq(ctx, aofRedis());
export const createBullmqPostgresContender = (ctx: RunContext): Contender => bullmq(ctx, freshPostgres());
