import type { WorkerRow } from './worker-registry';

/** A live worker as `GET /workers` answers it. Times are ISO-8601. */
export interface WorkerView {
  id: string;
  host: string;
  pid: number;
  /** Job queues it consumes. */
  queues: string[];
  /** Jobs it runs at once, at most. */
  concurrency: number;
  /** Jobs it ran at its last heartbeat. */
  in_flight: number;
  started_at: string;
  /** When the api last heard from it. */
  last_seen: string;
}

/** The row as the api answers it: queues parsed, times in ISO-8601. */
export function toWorkerView(row: WorkerRow): WorkerView {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    queues: JSON.parse(row.queues) as string[],
    concurrency: row.concurrency,
    in_flight: row.in_flight,
    started_at: new Date(row.started_at).toISOString(),
    last_seen: new Date(row.last_seen).toISOString(),
  };
}

/** Live workers, by id. */
export interface WorkerList {
  items: WorkerView[];
}
