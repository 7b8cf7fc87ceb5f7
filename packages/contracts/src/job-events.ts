import { Decoded, TENANT_NAME, isUuid, malformed, parseJson } from './envelope';
import type { JobError } from './errors';
import { TraceCarrier, isTraceCarrier } from './job-origin';

/** A job's progress as the handler reports it: a percentage or any small JSON object. */
export type JobProgress = number | Record<string, unknown>;

interface JobEventBase {
  job_id: string;
  type: string;
  /** The series of attempts the event belongs to; events of an older series are ignored. */
  series: number;
  attempt: number;
  /** When the worker saw it happen, epoch milliseconds. */
  at: number;
  /** Id of the worker process that ran the attempt. */
  worker: string;
  /** The job's tenant, echoed from its envelope (absent for the default tenant); live streams filter by it. */
  tenant?: string;
}

export interface JobStartedEvent extends JobEventBase {
  kind: 'started';
}

export interface JobProgressEvent extends JobEventBase {
  kind: 'progress';
  progress: JobProgress;
}

/** Fields of the event that ends an attempt. */
interface AttemptEndFields {
  /**
   * Set when the attempt ended before its `started` event was due, so none was sent: the api records the
   * `running` step at `started_at` itself. A worker skips `started` for attempts of a few milliseconds.
   */
  start_unreported?: true;
  /**
   * The trace context of the attempt's span on the worker (W3C `traceparent`, ...), so the api's record of the
   * outcome joins the job's trace. Absent when the worker traces nothing; dropped by the api when malformed.
   */
  trace?: TraceCarrier;
}

export interface JobSucceededEvent extends JobEventBase, AttemptEndFields {
  kind: 'succeeded';
  started_at: number;
  result: unknown;
}

/** An attempt failed and another is scheduled. */
export interface JobRetryingEvent extends JobEventBase, AttemptEndFields {
  kind: 'retrying';
  started_at?: number;
  error: JobError;
  /** When the next attempt becomes runnable, epoch milliseconds. */
  next_attempt_at: number;
}

export interface JobFailedEvent extends JobEventBase, AttemptEndFields {
  kind: 'failed';
  /** Absent when the attempt failed before it started (e.g. invalid payload). */
  started_at?: number;
  error: JobError;
}

/** What a worker reports about an attempt; the api applies these to the job store. */
export type JobEvent = JobStartedEvent | JobProgressEvent | JobSucceededEvent | JobRetryingEvent | JobFailedEvent;

export type JobEventKind = JobEvent['kind'];

/** Event messages carry a JSON array of events so that a worker can report several in one message. */
export function encodeEvents(events: readonly JobEvent[]): Buffer {
  return Buffer.from(JSON.stringify(events));
}

/** Parses an event message, rejecting the whole message if any event in it is malformed. Never throws. */
export function decodeEvents(body: Buffer): Decoded<JobEvent[]> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.value)) return malformed('body is not a JSON array of events');
  for (const [index, event] of parsed.value.entries()) {
    const reason = checkEvent(event);
    if (reason) return malformed(`event ${index}: ${reason}`);
    // Only ever a label on the api's span: a malformed one is not worth losing an outcome for.
    if ('trace' in event && !isTraceCarrier(event.trace)) delete event.trace;
  }
  return { ok: true, value: parsed.value as JobEvent[] };
}

function checkError(value: unknown): string | undefined {
  const error = value as Partial<JobError> | undefined;
  return error && typeof error.code === 'string' && typeof error.message === 'string'
    ? undefined
    : 'field "error" must have a code and a message';
}

function checkEvent(
  e: Partial<
    JobEvent & { progress: unknown; error: unknown; next_attempt_at: unknown; start_unreported: unknown; started_at: unknown }
  > | null,
): string | undefined {
  if (typeof e !== 'object' || e === null) return 'not an object';
  if (!isUuid(e.job_id)) return 'field "job_id" must be a UUID';
  if (typeof e.type !== 'string') return 'field "type" must be a string';
  if (!Number.isInteger(e.attempt) || (e.attempt as number) < 1) return 'field "attempt" must be a positive integer';
  if (!Number.isInteger(e.series) || (e.series as number) < 1) return 'field "series" must be a positive integer';
  if (!Number.isFinite(e.at)) return 'field "at" must be epoch milliseconds';
  if (typeof e.worker !== 'string' || e.worker.length > 200) return 'field "worker" must be a string of at most 200 characters';
  if (e.tenant !== undefined && (typeof e.tenant !== 'string' || !TENANT_NAME.test(e.tenant)))
    return 'field "tenant" must be a tenant name';
  if (e.start_unreported !== undefined && (e.start_unreported !== true || !Number.isFinite(e.started_at))) {
    return 'field "start_unreported" must be true, and only beside "started_at"';
  }
  switch (e.kind) {
    case 'started':
      return undefined;
    case 'progress':
      return typeof e.progress === 'number' || (typeof e.progress === 'object' && e.progress !== null)
        ? undefined
        : 'field "progress" must be a number or an object';
    case 'succeeded':
      return Number.isFinite(e.started_at) ? undefined : 'field "started_at" must be epoch milliseconds';
    case 'retrying':
      if (!Number.isFinite((e as Partial<JobRetryingEvent>).next_attempt_at)) return 'field "next_attempt_at" must be epoch milliseconds';
      return checkError(e.error);
    case 'failed':
      return checkError(e.error);
    default:
      return 'field "kind" must be started, progress, succeeded, retrying or failed';
  }
}
