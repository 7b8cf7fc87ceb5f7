import type { JobDefinition } from '@cask/contracts';

/**
 * Payloads this package has already checked against their job type, so that a dispatch does not check them a
 * second time: the batch route checks every item itself (to name every bad field of a batch in one answer,
 * before the tenant's quota is charged) and hands the dispatcher what the check returned. Only those values
 * are marked, and they never leave the package, so a caller cannot skip the check.
 */
const checked = new WeakMap<object, { job: JobDefinition; raw: object }>();

/** Marks `value`, what checking `raw` against `job` returned. */
export function markChecked(value: object, job: JobDefinition, raw: object): void {
  checked.set(value, { job, raw });
}

/** The payload as sent, when `value` is a checked payload of `job` (its size is the sent one's); else undefined. */
export function checkedRaw(value: object, job: JobDefinition): object | undefined {
  const entry = checked.get(value);
  return entry?.job === job ? entry.raw : undefined;
}
