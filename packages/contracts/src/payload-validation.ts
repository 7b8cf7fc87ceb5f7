import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import type { FieldError } from './field-error';
import type { JobDefinition } from './job-definition';

export type PayloadValidation<P> = { ok: true; value: P } | { ok: false; errors: FieldError[] };

/**
 * Checks a raw payload against its job definition and returns the typed payload, defaults filled in.
 * Unknown properties and wrongly typed values are errors: nothing is coerced.
 */
export function validatePayload<P extends object>(definition: JobDefinition<P, unknown>, raw: unknown): PayloadValidation<P> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ field: '', reason: 'payload must be a JSON object' }] };
  }
  const reserved = reservedKeyErrors(raw);
  if (reserved.length > 0) return { ok: false, errors: reserved };
  const value = plainToInstance(definition.payload, raw, { exposeDefaultValues: true });
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    return { ok: false, errors: flattenValidationErrors(errors) };
  }
  return { ok: true, value };
}

/** Keys JSON may carry that name an object's prototype machinery, never data. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The `__proto__`, `constructor` and `prototype` keys anywhere in a parsed JSON value, as errors.
 * class-transformer skips them when it builds the DTO, so the whitelist never sees them: without this check
 * they would be accepted where any other unknown key is refused, and travel on to the worker.
 */
export function reservedKeyErrors(value: unknown, parent = ''): FieldError[] {
  if (typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => reservedKeyErrors(item, `${parent}[${index}]`));
  return Object.keys(value).flatMap((key) => {
    const field = parent ? `${parent}.${key}` : key;
    if (RESERVED_KEYS.has(key)) return [{ field, reason: `property ${key} should not exist` }];
    return reservedKeyErrors((value as Record<string, unknown>)[key], field);
  });
}

/** Turns class-validator's nested errors into one `{field, reason}` per broken rule. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    // Array items come as numeric properties: name them `jobs[3]`, not `jobs.3`.
    const field =
      /^\d+$/.test(error.property) && parent ? `${parent}[${error.property}]` : parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}
