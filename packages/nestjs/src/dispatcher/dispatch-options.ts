import { FieldError, JobDefinition, RETRY_LIMITS, backoffToWire, checkBackoff, isRequestId } from '@cask/contracts';
import { PayloadTooLargeError } from './dispatch-errors';
import type { DispatchOptions } from './async-dispatcher';
import { InvalidPayloadError } from './invalid-payload.error';

/** How far ahead a job may be delayed. */
export const MAX_DELAY_MS = 30 * 24 * 60 * 60 * 1000;

function checkInt(field: string, value: number | undefined, min: number, max: number): FieldError[] {
  if (value === undefined || (Number.isInteger(value) && value >= min && value <= max)) return [];
  return [{ field, reason: `${field} must be an integer from ${min} to ${max}` }];
}

/** Rejects out-of-range options the same way for every dispatcher; fields are named as in HTTP. */
export function checkDispatchOptions(jobType: string, options: DispatchOptions): void {
  const errors = [
    ...checkInt('priority', options.priority, 0, 9),
    ...checkInt('max_attempts', options.maxAttempts, RETRY_LIMITS.maxAttempts.min, RETRY_LIMITS.maxAttempts.max),
    ...checkInt('timeout_ms', options.timeoutMs, RETRY_LIMITS.timeoutMs.min, RETRY_LIMITS.timeoutMs.max),
    ...(options.backoff ? checkBackoff(backoffToWire(options.backoff)) : []),
    ...(options.runAt === undefined || (Number.isFinite(options.runAt) && options.runAt <= Date.now() + MAX_DELAY_MS)
      ? []
      : [{ field: 'run_at', reason: 'run_at must be a time at most 30 days ahead' }]),
    ...(options.requestId === undefined || isRequestId(options.requestId)
      ? []
      : [{ field: 'request_id', reason: 'request_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : -' }]),
  ];
  if (errors.length > 0) throw new InvalidPayloadError(jobType, errors, false);
}

/**
 * Refuses a payload whose JSON is larger than the job type allows: `limit` when the api's configuration
 * sets one for the type, else the definition's `maxPayloadBytes`.
 */
export function checkPayloadSize(job: JobDefinition, payload: unknown, limit = job.maxPayloadBytes): void {
  // Most payloads are far below any limit: their length in UTF-16 units bounds their UTF-8 bytes from below
  // and three times it from above, so only payloads near the limit are measured exactly.
  const json = JSON.stringify(payload) ?? '';
  if (json.length * 3 <= limit) return;
  const size = Buffer.byteLength(json, 'utf8');
  if (size > limit) throw new PayloadTooLargeError(job.name, limit, size);
}
