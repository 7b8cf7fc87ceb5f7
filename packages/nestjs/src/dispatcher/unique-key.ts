import { FieldError, JobDefinition, UniquePolicy, toUniquePolicy } from '@cask/contracts';
import { createHash } from 'node:crypto';
import type { DispatchOptions } from './async-dispatcher';
import { canonicalJson } from './canonical-json';
import { InvalidPayloadError } from './invalid-payload.error';
import { valueAt } from './payload-path';

/** Longest explicit unique key. */
const MAX_KEY_LENGTH = 200;

/** A dispatch's unique policy: the definition's with the dispatch's overrides, or undefined when none applies. */
export function uniquePolicyOf(job: JobDefinition, options: DispatchOptions): (UniquePolicy & { key?: string }) | undefined {
  const own = options.unique;
  if (own === false) return undefined;
  // `null` over HTTP means the field was left out.
  if (own === undefined || own === null) return job.unique;
  const base = job.unique;
  const { policy, problems } = toUniquePolicy({ mode: own.mode ?? base?.mode, by: own.by ?? base?.by, for: own.forMs ?? base?.forMs });
  const errors: FieldError[] = problems.map(({ field, reason }) => ({ field: field === 'unique.for' ? 'unique.for_ms' : field, reason }));
  if (own.key !== undefined && (typeof own.key !== 'string' || own.key.length === 0 || own.key.length > MAX_KEY_LENGTH)) {
    errors.push({ field: 'unique.key', reason: `must be 1 to ${MAX_KEY_LENGTH} characters` });
  }
  if (errors.length > 0) throw new InvalidPayloadError(job.name, errors, false);
  return { ...policy, key: own.key };
}

/**
 * The key a dispatch claims: per tenant and job type, from the explicit key or the values of the policy's
 * payload fields (the whole payload without `by`), digested so any payload makes a key of one size.
 */
export function uniqueKeyOf(policy: UniquePolicy & { key?: string }, tenant: string, type: string, payload: object): string {
  const material =
    policy.key !== undefined ? { key: policy.key } : { by: policy.by?.map((path) => valueAt(payload, path) ?? null) ?? payload };
  return createHash('sha256')
    .update(canonicalJson([tenant, type, material]))
    .digest('hex');
}
