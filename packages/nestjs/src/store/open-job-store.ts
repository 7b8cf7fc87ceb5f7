import type { CaskStoreOptions } from '../cask-options';
import type { KyselyJobStore } from './kysely-job-store';
import { PostgresJobStore } from './postgres-job-store';
import { SqliteJobStore } from './sqlite-job-store';

/** The default SQLite file. */
export const DEFAULT_SQLITE_PATH = './data/cask.db';

/** The job store the options describe; SQLite at {@link DEFAULT_SQLITE_PATH} when they name none. */
export function openJobStore(options: CaskStoreOptions | undefined): KyselyJobStore {
  if (!options || options.type === 'sqlite') return new SqliteJobStore(options?.path ?? DEFAULT_SQLITE_PATH);
  if (options.type === 'postgres') {
    if (!options.url) throw new TypeError('store.url is required for a PostgreSQL store');
    return new PostgresJobStore(options.url, options.poolSize);
  }
  throw new TypeError(`store.type "${(options as { type: string }).type}" is not supported yet`);
}
