import { Decoded, malformed, parseJson } from './envelope';

/**
 * What a worker says about itself every `heartbeatMs` on the events exchange (routing key
 * {@link CaskTopology.heartbeatRoutingKey}), and once more with `stopping: true` when it stops cleanly.
 * Times are epoch milliseconds on the worker's clock.
 */
export interface WorkerHeartbeat {
  /** `WORKER_ID`; the registry's key. */
  worker_id: string;
  host: string;
  pid: number;
  /** Job queue names the worker consumes. */
  queues: string[];
  /** Jobs it runs at once, at most. */
  concurrency: number;
  /** Jobs it runs now. */
  in_flight: number;
  started_at: number;
  /** When this heartbeat was sent. */
  at: number;
  /** Set on the goodbye a worker sends as it stops: the api forgets it at once. */
  stopping?: boolean;
  /**
   * The job message formats the worker reads (2: packs of several jobs). Absent: format 1 only (workers
   * before packs). The api packs a queue's jobs only while every live worker of that queue reads format 2.
   */
  formats?: number[];
}

/** The heartbeat as a message body (JSON). */
export function encodeHeartbeat(heartbeat: WorkerHeartbeat): Buffer {
  return Buffer.from(JSON.stringify(heartbeat));
}

const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

/** Parses a heartbeat message, naming the first thing wrong with it. Never throws. */
export function decodeHeartbeat(body: Buffer): Decoded<WorkerHeartbeat> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const h = parsed.value as Partial<Record<keyof WorkerHeartbeat, unknown>> | null;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return malformed('body is not a JSON object');
  if (!isText(h.worker_id, 200)) return malformed('field "worker_id" must be a string of 1 to 200 characters');
  if (!isText(h.host, 200)) return malformed('field "host" must be a string of 1 to 200 characters');
  if (!isCount(h.pid)) return malformed('field "pid" must be a non-negative integer');
  if (!Array.isArray(h.queues) || h.queues.length > 1000 || !h.queues.every((queue) => isText(queue, 200))) {
    return malformed('field "queues" must be an array of queue names');
  }
  for (const field of ['concurrency', 'in_flight', 'started_at', 'at'] as const) {
    if (!isCount(h[field])) return malformed(`field "${field}" must be a non-negative integer`);
  }
  if (h.stopping !== undefined && typeof h.stopping !== 'boolean') return malformed('field "stopping" must be a boolean');
  if (h.formats !== undefined && (!Array.isArray(h.formats) || h.formats.length > 20 || !h.formats.every(isCount))) {
    return malformed('field "formats" must be an array of format numbers');
  }
  return {
    ok: true,
    value: {
      worker_id: h.worker_id,
      host: h.host,
      pid: h.pid as number,
      queues: h.queues as string[],
      concurrency: h.concurrency as number,
      in_flight: h.in_flight as number,
      started_at: h.started_at as number,
      at: h.at as number,
      ...(h.stopping ? { stopping: true } : {}),
      ...(h.formats ? { formats: h.formats as number[] } : {}),
    },
  };
}
