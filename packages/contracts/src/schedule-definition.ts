import { Cron } from 'croner';
import type { JobDefinition } from './job-definition';
import type { FieldError } from './field-error';
import { validatePayload } from './payload-validation';
import { BackoffPolicy, RETRY_LIMITS, backoffToWire, checkBackoff } from './retry-policy';

/** What a schedule's name may look like: the same shape as a job name, e.g. `reports.nightly`. */
export const SCHEDULE_NAME = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/** Longest schedule name (the width of the store's column). */
export const SCHEDULE_NAME_MAX_LENGTH = 200;

/** Longest cron expression and time zone name (the widths of the store's columns). */
const MAX_CRON_LENGTH = 200;
const MAX_TIMEZONE_LENGTH = 100;

/** Job options a schedule dispatches each of its jobs with; each overrides the job definition's. */
export interface ScheduleJobOptions {
  /** 0 (lowest) to 9 (highest). @defaultValue the job definition's `priority` */
  priority?: number;
  /** Attempts in all, 1–100. @defaultValue the job definition's `retry.maxAttempts` */
  maxAttempts?: number;
  /** @defaultValue the job definition's `retry.backoff` */
  backoff?: BackoffPolicy;
  /** How long one attempt may run, in ms. @defaultValue the job definition's `timeoutMs` */
  timeoutMs?: number;
}

/** A cron schedule declared in code: every tick dispatches one `job` with `payload`. */
export interface ScheduleDefinition<P extends object = object> {
  /** Unique among schedules; shown as `schedule` on every job it dispatches. */
  readonly name: string;
  /** Five fields (minute precision) or six (seconds first), e.g. `0 3 * * *` or `15,45 * * * * *`. */
  readonly cron: string;
  /** IANA time zone the cron expression is read in. */
  readonly timezone: string;
  /** The job each tick dispatches. */
  readonly job: JobDefinition<P, unknown>;
  /** The payload of every job it dispatches; validated against `job` when declared and at each tick. */
  readonly payload: P;
  /** Overrides of the job definition's settings for the jobs it dispatches. */
  readonly options: Readonly<ScheduleJobOptions>;
}

/** What {@link defineSchedule} takes. */
export interface ScheduleSpec<P extends object> {
  /** Lower-case dotted words, unique among schedules, e.g. `reports.nightly`. */
  name: string;
  /** Five fields, or six with seconds first. */
  cron: string;
  /** IANA time zone the cron expression is read in. @defaultValue `'UTC'` */
  timezone?: string;
  /** The job each tick dispatches. */
  job: JobDefinition<P, unknown>;
  /** Checked against the job's payload class when declared. */
  payload: P;
  /** @defaultValue `{}` (the job definition's settings) */
  options?: ScheduleJobOptions;
}

/** Whether the runtime knows the time zone (IANA names such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Names what is wrong with a cron expression and its time zone (fields `cron` and `timezone`); empty
 * when the pair is valid. Valid means five or six fields, every value in range, and at least one future run.
 */
export function checkCron(cron: string, timezone: string): FieldError[] {
  const errors: FieldError[] = [];
  const zoneOk = timezone.length <= MAX_TIMEZONE_LENGTH && isTimeZone(timezone);
  if (!zoneOk) errors.push({ field: 'timezone', reason: 'must be an IANA time zone such as "UTC" or "Europe/Berlin"' });
  // Counted here because croner also takes `@hourly` nicknames and ISO dates (one-shot jobs), which a
  // schedule must not silently become.
  const fields = cron.trim().split(/\s+/).length;
  if (cron.length > MAX_CRON_LENGTH || fields < 5 || fields > 6) {
    errors.push({ field: 'cron', reason: 'must have 5 fields (minute hour day month weekday) or 6 (seconds first)' });
    return errors;
  }
  try {
    const parsed = new Cron(cron, { mode: '5-or-6-parts', timezone: zoneOk ? timezone : 'UTC' });
    if (parsed.nextRun() === null) errors.push({ field: 'cron', reason: 'never matches a future time' });
  } catch (err) {
    errors.push({ field: 'cron', reason: (err as Error).message.replace(/^CronPattern: /, '') });
  }
  return errors;
}

/** Names every job option out of bounds, with fields spelled as in HTTP (`max_attempts`). */
export function checkScheduleJobOptions(options: ScheduleJobOptions): FieldError[] {
  const outOf = (field: string, value: number | undefined, min: number, max: number): FieldError[] =>
    value === undefined || (Number.isInteger(value) && value >= min && value <= max)
      ? []
      : [{ field, reason: `must be an integer from ${min} to ${max}` }];
  return [
    ...outOf('priority', options.priority, 0, 9),
    ...outOf('max_attempts', options.maxAttempts, RETRY_LIMITS.maxAttempts.min, RETRY_LIMITS.maxAttempts.max),
    ...outOf('timeout_ms', options.timeoutMs, RETRY_LIMITS.timeoutMs.min, RETRY_LIMITS.timeoutMs.max),
    ...(options.backoff ? checkBackoff(backoffToWire(options.backoff)) : []),
  ];
}

/**
 * Declares a cron schedule in code, next to its job definition; the api creates or updates it at every
 * start (pass it in `schedules` of `CaskModule.forRoot` or `forFeature`). Throws at import time when anything is invalid, so a bad
 * schedule never ships:
 *
 * ```ts
 * export const NightlyDigest = defineSchedule({
 *   name: 'email.nightly-digest',
 *   cron: '0 3 * * *',
 *   timezone: 'Europe/Berlin',
 *   job: DigestEmail,
 *   payload: { list: 'all' },
 * });
 * ```
 */
export function defineSchedule<P extends object>(spec: ScheduleSpec<P>): ScheduleDefinition<P> {
  const timezone = spec.timezone ?? 'UTC';
  const options = { ...(spec.options ?? {}) };
  const payload = validatePayload(spec.job, spec.payload);
  const problems: FieldError[] = [
    ...(SCHEDULE_NAME.test(spec.name) && spec.name.length <= SCHEDULE_NAME_MAX_LENGTH
      ? []
      : [{ field: 'name', reason: 'must be lower-case dotted words, e.g. "reports.nightly"' }]),
    ...checkCron(spec.cron, timezone),
    ...(payload.ok ? [] : payload.errors.map(({ field, reason }) => ({ field: field ? `payload.${field}` : 'payload', reason }))),
    ...checkScheduleJobOptions(options),
  ];
  if (problems.length > 0) {
    throw new TypeError(`Schedule "${spec.name}": ${problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`);
  }
  return Object.freeze({
    name: spec.name,
    cron: spec.cron.trim(),
    timezone,
    job: spec.job,
    payload: spec.payload,
    options: Object.freeze(options),
  });
}
