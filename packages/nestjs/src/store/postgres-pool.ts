import { Logger } from '@nestjs/common';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type { Pool, PoolClient, types as PgTypes } from 'pg';

const INT8 = 20;
const logger = new Logger('CaskPostgres');

/**
 * Warns once a second at most: a restart breaks every client at once. A client losing its server (a restart, a
 * failover, pg_terminate_backend) emits 'error'; the pool listens only while a client is idle, and an unheard
 * 'error' on a client checked out between two statements of a transaction would end the process.
 */
function warner(): (err: Error) => void {
  let lastWarned = 0;
  return (err) => {
    if (Date.now() - lastWarned < 1_000) return;
    lastWarned = Date.now();
    logger.warn(`Lost a PostgreSQL connection (${err.message}); queries fail with 503 until it is back, then reconnect`);
  };
}

/**
 * The pg pool as Kysely uses it, for Cask's queries only: times are epoch milliseconds in bigint columns, read
 * as numbers (they fit exactly) by a parser given with each query, so a host's own pool keeps its own parsers.
 * Every client gets an 'error' listener for its whole life. Ending it ends the pool only if Cask opened it.
 */
export function postgresPool(pool: Pool, types: typeof PgTypes, options: { owned: boolean }): PostgresPool {
  const warn = warner();
  const watched = new WeakSet<PoolClient>();
  const parsers = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === INT8 ? Number : types.getTypeParser(oid, format as 'text')),
  };
  pool.on('error', warn);
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      if (!watched.has(client)) {
        watched.add(client);
        client.on('error', warn);
      }
      return {
        query: ((text: unknown, parameters?: readonly unknown[]) => {
          // Kysely streams through a cursor object; Cask never does, but pass it on unchanged.
          if (typeof text !== 'string') return client.query(text as never);
          return client.query({ text, values: parameters as unknown[], types: parsers }) as Promise<PostgresQueryResult<unknown>>;
        }) as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
    },
    end: () => (options.owned ? pool.end() : Promise.resolve()),
  };
}
