import * as amqplib from 'amqplib';
import Redis from 'ioredis';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { Client } from 'pg';
import type { Environment } from '../report/results-file';
import { reachable } from '../../test/support/reachable';
import { BENCH_AMQP_URL, BENCH_DATABASE_URL, BENCH_REDIS_URL } from './services';

/** Fails at once, saying how to start them, when a service the bench needs is not there. */
export async function checkServices(): Promise<void> {
  const problems: string[] = [];
  if (!(await reachable(BENCH_AMQP_URL, 5672)))
    problems.push(`RabbitMQ at ${new URL(BENCH_AMQP_URL).host} (start it with \`rabbitmq-server -detached\`, or set BENCH_AMQP_URL)`);
  if (!(await reachable(BENCH_REDIS_URL, 6379)))
    problems.push(`Redis at ${new URL(BENCH_REDIS_URL).host} (start it with \`redis-server --daemonize yes\`, or set BENCH_REDIS_URL)`);
  if (!(await reachable(BENCH_DATABASE_URL, 5432)))
    problems.push(
      `PostgreSQL at ${new URL(BENCH_DATABASE_URL).host} (start it with \`pg_ctlcluster 15 main start\`, or set BENCH_DATABASE_URL)`,
    );
  if (problems.length > 0) throw new Error(`The bench needs these local services, which are not reachable:\n  ${problems.join('\n  ')}`);
}

async function rabbitmqVersion(): Promise<string | undefined> {
  const connection = await amqplib.connect(BENCH_AMQP_URL);
  try {
    return String(connection.connection.serverProperties.version ?? '');
  } finally {
    await connection.close();
  }
}

async function redisVersion(): Promise<string | undefined> {
  const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  try {
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    const persistence = await redis.config('GET', 'appendonly');
    return `${version} (appendonly ${(persistence as string[])[1]})`;
  } finally {
    redis.disconnect();
  }
}

async function postgresVersion(): Promise<string | undefined> {
  const client = new Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return rows[0]?.server_version;
  } finally {
    await client.end();
  }
}

const quietly = <T>(task: () => Promise<T>) => task().catch(() => undefined);

export async function describeEnvironment(): Promise<Environment> {
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    host: hostname(),
    cpus: `${cpuList.length} × ${cpuList[0]?.model.trim() ?? 'unknown CPU'}`,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.versions.node,
    rabbitmq: await quietly(rabbitmqVersion),
    redis: await quietly(redisVersion),
    postgres: await quietly(postgresVersion),
    loadAtStart: loadavg()[0],
  };
}
