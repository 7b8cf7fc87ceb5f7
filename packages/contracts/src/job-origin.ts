import { REQUEST_ID_HEADER, isRequestId, requestIdOf } from './request-id';

/**
 * A job's trace context as a propagator wrote it: with W3C Trace Context, `traceparent` and (when set)
 * `tracestate`. It rides with the job from its dispatch to its worker and back on the outcome, so one trace
 * shows dispatch, queue wait, run and result.
 */
export type TraceCarrier = Record<string, string>;

/** The W3C Trace Context headers a lone job's message carries, as AMQP headers of the same names. */
export const TRACE_HEADERS: readonly string[] = ['traceparent', 'tracestate'];

/** AMQP header of a pack holding each job's trace context, in the order of `jobs` (null for none). */
export const TRACES_HEADER = 'x-cask-traces';

/** Bounds on a carrier read off the wire: W3C's own (a `tracestate` of at most 32 entries fits 1 KiB or so). */
const MAX_TRACE_FIELDS = 8;
const MAX_TRACE_VALUE = 1024;

/**
 * Where a job came from, carried on each message of it (first attempt, retries, moves after a crash): the
 * request that dispatched it, for log lines, and its trace context. Neither is covered by the signature, so
 * both only ever label what a job does; neither decides anything.
 */
export interface JobOrigin {
  requestId?: string;
  trace?: TraceCarrier;
}

/** True for a carrier of a few short string fields (what a propagator writes), false for anything else. */
export function isTraceCarrier(value: unknown): value is TraceCarrier {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.length <= MAX_TRACE_FIELDS &&
    entries.every(([key, field]) => key.length <= 64 && typeof field === 'string' && field.length <= MAX_TRACE_VALUE)
  );
}

/** The trace context among a message's headers, read from `fields` (W3C's by default): undefined when none. */
export function traceOf(headers: Record<string, unknown> | undefined, fields: readonly string[] = TRACE_HEADERS): TraceCarrier | undefined {
  if (!headers) return undefined;
  let carrier: TraceCarrier | undefined;
  for (const field of fields) {
    const value = headers[field];
    const text = Buffer.isBuffer(value) ? value.toString() : value;
    if (typeof text === 'string' && text.length > 0 && text.length <= MAX_TRACE_VALUE) (carrier ??= {})[field] = text;
  }
  return carrier;
}

/** The origin a lone job's message carries in its headers. */
export function originOf(headers: Record<string, unknown> | undefined, fields?: readonly string[]): JobOrigin {
  return { requestId: requestIdOf(headers), trace: traceOf(headers, fields) };
}

/** The headers that carry a lone job's origin: none when it has neither a request id nor a trace. */
export function originHeaders(origin: JobOrigin | undefined): Record<string, unknown> | undefined {
  if (origin?.requestId === undefined && origin?.trace === undefined) return undefined;
  return {
    ...(origin.requestId === undefined ? {} : { [REQUEST_ID_HEADER]: origin.requestId }),
    ...origin.trace,
  };
}

/** AMQP header of a pack naming the request behind each job, in the order of `jobs` (null for none). */
export const REQUEST_IDS_HEADER = 'x-cask-request-ids';

/** The headers that carry the origins of a pack's jobs, one list per kind, in the order of `jobs`: none when empty. */
export function packOriginHeaders(origins: readonly (JobOrigin | undefined)[]): Record<string, unknown> | undefined {
  const headers: Record<string, unknown> = {};
  if (origins.some((origin) => origin?.requestId !== undefined))
    headers[REQUEST_IDS_HEADER] = origins.map((origin) => origin?.requestId ?? null);
  if (origins.some((origin) => origin?.trace !== undefined)) headers[TRACES_HEADER] = origins.map((origin) => origin?.trace ?? null);
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/** The origin of each of a message's `count` jobs: a pack's per-job lists, or the headers of a lone job. */
export function originsOf(headers: Record<string, unknown> | undefined, count: number, fields?: readonly string[]): JobOrigin[] {
  const requestIds = headers?.[REQUEST_IDS_HEADER];
  const traces = headers?.[TRACES_HEADER];
  if (!Array.isArray(requestIds) && !Array.isArray(traces)) {
    const one = originOf(headers, fields);
    return Array.from({ length: count }, () => one);
  }
  return Array.from({ length: count }, (_, index) => {
    const requestId = Array.isArray(requestIds) ? requestIds[index] : undefined;
    const trace = Array.isArray(traces) ? traces[index] : undefined;
    return { requestId: isRequestId(requestId) ? requestId : undefined, trace: isTraceCarrier(trace) ? trace : undefined };
  });
}

/** The headers of one job taken out of a pack: the pack's lists replaced by that job's own origin. */
export function withOrigin(
  headers: Record<string, unknown> | undefined,
  origin: JobOrigin,
  fields: readonly string[] = TRACE_HEADERS,
): Record<string, unknown> {
  const own: Record<string, unknown> = { ...headers };
  delete own[REQUEST_IDS_HEADER];
  delete own[TRACES_HEADER];
  delete own[REQUEST_ID_HEADER];
  for (const field of fields) delete own[field];
  return { ...own, ...originHeaders(origin) };
}
