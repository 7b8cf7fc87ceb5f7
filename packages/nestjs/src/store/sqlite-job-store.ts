import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KyselyJobStore } from './kysely-job-store';
import type { Database } from './schema';
import { withStatementCache } from './statement-cache';

/** The default store: one SQLite file in WAL mode, fsynced on every commit. */
export class SqliteJobStore extends KyselyJobStore {
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const database = new BetterSqlite3(path);
    database.pragma('journal_mode = WAL');
    // FULL: a 202 promises the job survives a power cut, not only a process crash.
    database.pragma('synchronous = FULL');
    database.pragma('busy_timeout = 5000');
    super(new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }));
  }
}
