import { ErrorCode } from './errors';
import type { BatchCounts, ParentOutcomeWire } from './flow';
import { BackoffWire, RETRY_LIMITS, checkBackoff } from './retry-policy';

/** The body of a job message: everything a worker needs to run one attempt. */
export interface JobEnvelope {
  /** Envelope format version. */
  v: 1;
  /** Job id (UUIDv7). */
  id: string;
  /** Job name, e.g. `email.welcome`. */
  type: string;
  /** The validated payload as the api stored it. */
  payload: object;
  /** Attempt number this message runs, starting at 1. */
  attempt: number;
  /** Which series of attempts this is: 1, then +1 for each redrive (`POST /jobs/:id/retry`). */
  series: number;
  /** Attempts allowed in this series. */
  max_attempts: number;
  backoff: BackoffWire;
  /** How long one attempt may run. */
  timeout_ms: number;
  /** When the job was created, in epoch milliseconds. */
  created_at: number;
  /** The tenant that dispatched the job; absent means {@link DEFAULT_TENANT}. Workers echo it in events. */
  tenant?: string;
  /**
   * When this attempt became runnable, in epoch milliseconds: a delayed job's due time, a retry's end of
   * backoff, a redrive's time. Absent (older senders): `created_at`. Workers measure queue wait from it.
   */
  ready_at?: number;
  /** For a job of a flow: its finished parents, by their keys in the flow (see `OnParentFailure`). */
  parents?: Record<string, ParentOutcomeWire>;
  /** For a batch's callback job: how its batch's jobs ended. */
  batch?: BatchCounts;
}

/** The tenant of jobs dispatched without API keys (an open api), and of jobs from before tenants existed. */
export const DEFAULT_TENANT = 'default';

/** What a tenant name may be: it comes from the api's key configuration. */
export const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Why a message could not be read as a job or event; goes into dead-letter headers. */
export interface DecodeFailure {
  ok: false;
  code: typeof ErrorCode.Malformed;
  reason: string;
}

export type Decoded<T> = { ok: true; value: T } | DecodeFailure;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical 36-character text form. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function encodeEnvelope(envelope: JobEnvelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

/** Parses a job message body, naming the first thing wrong with it. Never throws. */
export function decodeEnvelope(body: Buffer): Decoded<JobEnvelope> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  return checkEnvelope(parsed.value);
}

/** Checks a parsed value as a format-1 envelope, naming the first thing wrong with it. Never throws. */
export function checkEnvelope(value: unknown): Decoded<JobEnvelope> {
  const e = value as Partial<JobEnvelope> | null;
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return malformed('body is not a JSON object');
  if (e.v !== 1) return malformed('field "v" must be 1');
  if (!isUuid(e.id)) return malformed('field "id" must be a UUID');
  if (typeof e.type !== 'string' || e.type.length === 0) return malformed('field "type" must be a non-empty string');
  if (typeof e.payload !== 'object' || e.payload === null || Array.isArray(e.payload)) {
    return malformed('field "payload" must be a JSON object');
  }
  if (!Number.isInteger(e.attempt) || (e.attempt as number) < 1) return malformed('field "attempt" must be a positive integer');
  if (!Number.isInteger(e.series) || (e.series as number) < 1) return malformed('field "series" must be a positive integer');
  if (!Number.isInteger(e.max_attempts) || (e.max_attempts as number) < 1 || (e.max_attempts as number) > RETRY_LIMITS.maxAttempts.max) {
    return malformed('field "max_attempts" must be an integer from 1 to 100');
  }
  const backoffErrors = checkBackoff(e.backoff);
  if (backoffErrors.length > 0) return malformed(`field "${backoffErrors[0].field}" ${backoffErrors[0].reason}`);
  if (!Number.isInteger(e.timeout_ms) || (e.timeout_ms as number) < 1 || (e.timeout_ms as number) > RETRY_LIMITS.timeoutMs.max) {
    return malformed('field "timeout_ms" must be an integer from 1 to 86400000');
  }
  if (!Number.isFinite(e.created_at)) return malformed('field "created_at" must be epoch milliseconds');
  if (e.tenant !== undefined && (typeof e.tenant !== 'string' || !TENANT_NAME.test(e.tenant)))
    return malformed('field "tenant" must be a tenant name');
  if (e.ready_at !== undefined && !Number.isFinite(e.ready_at)) return malformed('field "ready_at" must be epoch milliseconds');
  if (e.parents !== undefined) {
    const wrong = wrongParents(e.parents);
    if (wrong) return malformed(wrong);
  }
  if (e.batch !== undefined) {
    const b = e.batch as Partial<BatchCounts> | null;
    const counts = typeof b === 'object' && b !== null ? [b.total, b.succeeded, b.failed, b.cancelled] : [];
    if (counts.length === 0 || !counts.every((n) => Number.isInteger(n) && (n as number) >= 0)) {
      return malformed('field "batch" must hold counts total, succeeded, failed and cancelled');
    }
  }
  return { ok: true, value: e as JobEnvelope };
}

const PARENT_STATUSES: readonly unknown[] = ['succeeded', 'failed', 'cancelled'];

/** What is wrong with an envelope's `parents`, if anything. */
function wrongParents(parents: unknown): string | undefined {
  if (typeof parents !== 'object' || parents === null || Array.isArray(parents)) return 'field "parents" must be a JSON object';
  for (const [key, value] of Object.entries(parents)) {
    const p = value as Partial<ParentOutcomeWire> | null;
    const field = `field "parents.${key}`;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) return `${field}" must be a JSON object`;
    if (!isUuid(p.job_id)) return `${field}.job_id" must be a UUID`;
    if (typeof p.type !== 'string') return `${field}.type" must be a string`;
    if (!PARENT_STATUSES.includes(p.status)) return `${field}.status" must be succeeded, failed or cancelled`;
    if (p.error !== null && (typeof p.error !== 'object' || Array.isArray(p.error))) return `${field}.error" must be null or an object`;
  }
  return undefined;
}

export function parseJson(body: Buffer): Decoded<unknown> {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return malformed('body is not valid JSON');
  }
}

export function malformed(reason: string): DecodeFailure {
  return { ok: false, code: ErrorCode.Malformed, reason };
}
