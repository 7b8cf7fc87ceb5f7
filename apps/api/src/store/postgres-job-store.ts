import { Logger } from '@nestjs/common';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool, types } from 'pg';
import { KyselyJobStore } from './kysely-job-store';
import type { Database } from './schema';

const INT8 = 20;

/** The store for several api instances: PostgreSQL through a pg pool. */
export class PostgresJobStore extends KyselyJobStore {
  constructor(connectionString: string, poolSize = 10) {
    const pool = new Pool({
      connectionString,
      max: poolSize,
      // Times are epoch milliseconds in bigint columns; they fit a JS number exactly.
      types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === INT8 ? Number : types.getTypeParser(oid, format as 'text')) } as typeof types,
    });
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on('error', (err) => new Logger(PostgresJobStore.name).warn(`Idle PostgreSQL client failed: ${err.message}`));
    super(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }));
  }
}
