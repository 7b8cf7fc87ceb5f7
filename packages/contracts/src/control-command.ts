import { Decoded, isUuid, malformed, parseJson } from './envelope';

/** Tells every worker to stop a job: skip it when dequeued, abort it if running. */
export interface CancelCommand {
  kind: 'cancel';
  job_id: string;
  /** Only this series of attempts is cancelled; a later redrive runs. */
  series: number;
  at: number;
}

/** Written by a worker at start; reading it back means the worker has seen every earlier command. */
export interface SyncCommand {
  kind: 'sync';
  token: string;
}

/**
 * Tells every worker to start no job of a queue (`pause`) until told otherwise (`resume`). Running jobs run on;
 * jobs a worker has taken but not started wait with it. The latest command of a queue (by `at`) wins.
 */
export interface QueueCommand {
  kind: 'pause' | 'resume';
  queue: string;
  at: number;
}

/** Messages on the control stream. */
export type ControlCommand = CancelCommand | SyncCommand | QueueCommand;

export function encodeControl(command: ControlCommand): Buffer {
  return Buffer.from(JSON.stringify(command));
}

/** Parses a control message, naming what is wrong with it. Never throws. */
export function decodeControl(body: Buffer): Decoded<ControlCommand> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const c = parsed.value as { kind?: unknown; token?: unknown; job_id?: unknown; series?: unknown; at?: unknown } | null;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return malformed('body is not a JSON object');
  if (c.kind === 'sync')
    return typeof c.token === 'string'
      ? { ok: true, value: { kind: 'sync', token: c.token } }
      : malformed('field "token" must be a string');
  if (c.kind === 'pause' || c.kind === 'resume') {
    const { queue } = c as { queue?: unknown };
    if (typeof queue !== 'string' || queue.length === 0 || queue.length > 200) return malformed('field "queue" must be a queue name');
    if (!Number.isFinite(c.at)) return malformed('field "at" must be a time in epoch ms');
    return { ok: true, value: { kind: c.kind, queue, at: c.at as number } };
  }
  if (c.kind !== 'cancel') return malformed('field "kind" must be cancel, sync, pause or resume');
  if (!isUuid(c.job_id)) return malformed('field "job_id" must be a UUID');
  if (!Number.isInteger(c.series) || (c.series as number) < 1) return malformed('field "series" must be a positive integer');
  return { ok: true, value: { kind: 'cancel', job_id: c.job_id, series: c.series as number, at: Number(c.at) || Date.now() } };
}
