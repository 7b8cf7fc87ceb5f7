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
  series: Generated<number>;
  next_attempt_at: number | null;
  backoff: string | null;
  timeout_ms: number | null;
}

/** Every status change of a job, for its history. */
export interface JobTransitionsTable {
  job_id: string;
  series: number;
  attempt: number;
  status: string;
  at: number;
  worker: string | null;
  error: string | null;
}

/** Job messages committed with their job and not yet confirmed by the broker. */
export interface OutboxTable {
  id: string;
  job_id: string;
  routing_key: string;
  body: string;
  priority: number;
  created_at: number;
  /** Not before this time may the relay (re)try it; a claim pushes it forward. */
  available_at: number;
}

/** `Idempotency-Key` headers seen, with the job each created. */
export interface IdempotencyKeysTable {
  key: string;
  request_hash: string;
  job_id: string;
  expires_at: number;
}

export interface Database {
  jobs: JobsTable;
  job_transitions: JobTransitionsTable;
  outbox: OutboxTable;
  idempotency_keys: IdempotencyKeysTable;
}
