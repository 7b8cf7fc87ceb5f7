import { Logger } from '@nestjs/common';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool, types } from 'pg';
import type { JobEvent } from '@cask/contracts';
import { applySuccessesInOneStatement, onlyDistinctSuccesses } from './event-transitions';
import type { ApplyResult, NewJob, OutboxMessage } from './job-record';
import { jobRow, outboxRow } from './job-rows';
import { KyselyJobStore } from './kysely-job-store';
import { unavailableAsError } from './unavailable-as-error';
import type { Database } from './schema';

const INT8 = 20;
/**
 * Jobs written by one statement at most: fewer than 30 parameters per job, under PostgreSQL's 65,535.
 * Dispatch groups stay below it; larger batches take the transaction of chunks.
 */
const SINGLE_STATEMENT_JOBS = 1000;

/**
 * A client losing its server (a restart, a failover, an admin's pg_terminate_backend) emits 'error'. The pool
 * listens only while a client is idle; a client checked out between two statements of a transaction has no
 * listener, and an unheard 'error' ends the process. Every client gets one for its whole life: the query in
 * flight fails on its own, and the pool drops the broken client when it is released.
 */
function watchConnections(pool: Pool): void {
  const logger = new Logger(PostgresJobStore.name);
  let lastWarned = 0;
  const warn = (err: Error) => {
    // A restart breaks every client at once: one line for all of them.
    if (Date.now() - lastWarned < 1_000) return;
    lastWarned = Date.now();
    logger.warn(`Lost a PostgreSQL connection (${err.message}); queries fail with 503 until it is back, then reconnect`);
  };
  pool.on('error', warn);
  pool.on('connect', (client) => client.on('error', warn));
}

/** The store for several api instances: PostgreSQL through a pg pool. */
export class PostgresJobStore extends KyselyJobStore {
  constructor(connectionString: string, poolSize = 10) {
    const pool = new Pool({
      connectionString,
      max: poolSize,
      // Times are epoch milliseconds in bigint columns; they fit a JS number exactly.
      types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === INT8 ? Number : types.getTypeParser(oid, format as 'text')) } as typeof types,
    });
    watchConnections(pool);
    super(new Kysely<Database>({ dialect: unavailableAsError(new PostgresDialect({ pool })) }));
  }

  /**
   * Jobs and their messages in one statement, so one round trip instead of four: PostgreSQL runs the
   * statement in a `WITH` and the outer one atomically, whether or not the outer one reads its rows.
   */
  override async createJobs(items: ReadonlyArray<{ job: NewJob; message: OutboxMessage }>): Promise<void> {
    if (items.length === 0) return;
    if (items.length > SINGLE_STATEMENT_JOBS) return super.createJobs(items);
    await this.db
      .with('inserted_jobs', (db) => db.insertInto('jobs').values(items.map(({ job }) => jobRow(job))).returning('id'))
      .insertInto('outbox')
      .values(items.map(({ message }) => outboxRow(message)))
      .execute();
  }

  override async applyEvents(events: readonly JobEvent[]): Promise<ApplyResult> {
    if (events.length > 0 && onlyDistinctSuccesses(events)) return applySuccessesInOneStatement(this.db, events);
    return super.applyEvents(events);
  }
}
