import type { Generated } from 'kysely';

/** The `jobs` table. JSON columns hold text; times are epoch milliseconds. */
export interface JobsTable {
  id: string;
  type: string;
  queue: string;
  status: string;
  payload: string;
  result: string | null;
  error: string | null;
  progress: string | null;
  attempts: Generated<number>;
  max_attempts: number;
  priority: Generated<number>;
  worker: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface Database {
  jobs: JobsTable;
}
