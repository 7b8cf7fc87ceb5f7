import * as amqplib from 'amqplib';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import Redis from 'ioredis';
import type { BenchResource } from '../contender';
import { BENCH_AMQP_URL, BENCH_DATABASE_URL, BENCH_REDIS_URL } from './services';

const run = promisify(execFile);

/** A PostgreSQL database name from a bench prefix (identifiers take no dots or dashes). */
export function databaseName(prefix: string): string {
  return prefix.replace(/[^a-z0-9]/g, '_');
}

async function withAdmin<T>(task: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    return await task(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name: string): Promise<string> {
  await withAdmin((client) => client.query(`create database ${name}`));
  const url = new URL(BENCH_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function deleteAmqp(queues: readonly string[], exchanges: readonly string[]): Promise<void> {
  if (queues.length === 0 && exchanges.length === 0) return;
  const connection = await amqplib.connect(BENCH_AMQP_URL);
  connection.on('error', () => undefined);
  try {
    // A failed delete closes the channel; a fresh one per name keeps one failure from skipping the rest.
    for (const [name, del] of [
      ...queues.map((q) => [q, (c: amqplib.Channel) => c.deleteQueue(q)] as const),
      ...exchanges.map((e) => [e, (c: amqplib.Channel) => c.deleteExchange(e)] as const),
    ]) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        await del(channel);
        await channel.close();
      } catch (err) {
        console.error(`cleanup: could not delete ${name}: ${(err as Error).message}`);
      }
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function deleteRedisKeys(pattern: string): Promise<number> {
  const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Removes one resource; safe to repeat, and to call for a resource that was never created. */
export async function removeResource(resource: BenchResource): Promise<void> {
  switch (resource.kind) {
    case 'amqp-queues':
      return deleteAmqp(resource.queues, resource.exchanges);
    case 'postgres-database':
      await withAdmin((client) => client.query(`drop database if exists ${resource.name} with (force)`));
      return;
    case 'bullmq-queue':
      await deleteRedisKeys(`bull:${resource.name}:*`);
      return;
    case 'directory':
      return rm(resource.path, { recursive: true, force: true });
  }
}

async function rabbitmqctlNames(what: 'list_queues' | 'list_exchanges'): Promise<string[] | undefined> {
  try {
    const { stdout } = await run('rabbitmqctl', [what, '--quiet', '--no-table-headers', 'name'], { timeout: 30_000 });
    return stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  } catch {
    return undefined;
  }
}

/**
 * Last sweep after every run: anything whose name starts with the bench's prefix, in RabbitMQ (when
 * rabbitmqctl is at hand), PostgreSQL and Redis. Returns what it had to remove, which should be nothing.
 */
export async function sweepPrefix(prefix: string): Promise<string[]> {
  const found: string[] = [];
  const queues = (await rabbitmqctlNames('list_queues'))?.filter((name) => name.startsWith(prefix)) ?? [];
  const exchanges = (await rabbitmqctlNames('list_exchanges'))?.filter((name) => name.startsWith(prefix)) ?? [];
  await deleteAmqp(queues, exchanges);
  found.push(...queues.map((q) => `queue ${q}`), ...exchanges.map((e) => `exchange ${e}`));
  const databases = await withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      `${databaseName(prefix)}%`,
    ]);
    for (const { datname } of rows) await client.query(`drop database if exists ${datname} with (force)`);
    return rows.map((row) => row.datname);
  });
  found.push(...databases.map((d) => `database ${d}`));
  const keys = await deleteRedisKeys(`bull:${prefix}*`);
  if (keys > 0) found.push(`${keys} Redis key(s)`);
  return found;
}
