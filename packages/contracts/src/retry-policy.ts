import type { FieldError } from './field-error';

/** How long to wait before the next attempt. */
export interface BackoffPolicy {
  /** `fixed`: always `baseMs`; `exponential`: `baseMs × 2^(attempt−1)`, at most `capMs`. */
  type: 'fixed' | 'exponential';
  baseMs: number;
  capMs: number;
  /** Spread as a fraction of the delay (0–1): 0.2 means ±20 %, so retries of many jobs do not stampede. */
  jitter: number;
}

/** How often a job may run and how long to wait between attempts. */
export interface RetryPolicy {
  /** Attempts in all, the first included; 1 means never retry. */
  maxAttempts: number;
  backoff: BackoffPolicy;
}

/** Backoff as it travels in messages and HTTP bodies (snake_case). */
export interface BackoffWire {
  type: 'fixed' | 'exponential';
  base_ms: number;
  cap_ms: number;
  jitter: number;
}

/**
 * Retries unless a job definition says otherwise: 3 attempts, 1 s, 2 s between them (±20 %), at most 5 min.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 3,
  backoff: Object.freeze({ type: 'exponential', baseMs: 1000, capMs: 300_000, jitter: 0.2 }),
}) as RetryPolicy;

/** How long an attempt may run unless a job definition says otherwise: 5 minutes. */
export const DEFAULT_TIMEOUT_MS = 300_000;

/** Bounds every retry setting must respect, wherever it comes from. */
export const RETRY_LIMITS = {
  maxAttempts: { min: 1, max: 100 },
  delayMs: { min: 0, max: 24 * 60 * 60 * 1000 },
  timeoutMs: { min: 1, max: 24 * 60 * 60 * 1000 },
} as const;

/**
 * Milliseconds to wait after attempt `attempt` (1-based) failed.
 * @param random - a number in [0, 1); tests pass a fixed one
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number = Math.random()): number {
  const raw = policy.type === 'fixed' ? policy.baseMs : policy.baseMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(raw, policy.capMs);
  const jittered = capped * (1 + policy.jitter * (2 * random - 1));
  return Math.max(0, Math.round(Math.min(jittered, policy.capMs)));
}

export function backoffToWire(policy: BackoffPolicy): BackoffWire {
  return { type: policy.type, base_ms: policy.baseMs, cap_ms: policy.capMs, jitter: policy.jitter };
}

export function backoffFromWire(wire: BackoffWire): BackoffPolicy {
  return { type: wire.type, baseMs: wire.base_ms, capMs: wire.cap_ms, jitter: wire.jitter };
}

/** Names every field of a wire backoff that is out of bounds; empty when it is valid. */
export function checkBackoff(value: unknown, field = 'backoff'): FieldError[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ field, reason: 'must be an object' }];
  const b = value as Partial<BackoffWire>;
  const errors: FieldError[] = [];
  const { min, max } = RETRY_LIMITS.delayMs;
  if (b.type !== 'fixed' && b.type !== 'exponential') errors.push({ field: `${field}.type`, reason: 'must be "fixed" or "exponential"' });
  if (!Number.isInteger(b.base_ms) || (b.base_ms as number) < min || (b.base_ms as number) > max) {
    errors.push({ field: `${field}.base_ms`, reason: `must be an integer from ${min} to ${max}` });
  }
  if (!Number.isInteger(b.cap_ms) || (b.cap_ms as number) < min || (b.cap_ms as number) > max) {
    errors.push({ field: `${field}.cap_ms`, reason: `must be an integer from ${min} to ${max}` });
  } else if (Number.isInteger(b.base_ms) && (b.cap_ms as number) < (b.base_ms as number)) {
    errors.push({ field: `${field}.cap_ms`, reason: 'must be at least base_ms' });
  }
  if (typeof b.jitter !== 'number' || !(b.jitter >= 0 && b.jitter <= 1))
    errors.push({ field: `${field}.jitter`, reason: 'must be a number from 0 to 1' });
  const extra = Object.keys(b).filter((key) => !['type', 'base_ms', 'cap_ms', 'jitter'].includes(key));
  for (const key of extra) errors.push({ field: `${field}.${key}`, reason: `property ${key} should not exist` });
  return errors;
}
