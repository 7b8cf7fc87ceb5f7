import {
  BackoffPolicy,
  DEFAULT_RETRY_POLICY,
  DEFAULT_TIMEOUT_MS,
  RETRY_LIMITS,
  RetryPolicy,
  backoffToWire,
  checkBackoff,
} from './retry-policy';

/**
 * What a second dispatch of a job with the same unique key does: `drop` answers the first job while it is
 * waiting or running; `throttle` answers the first job for the whole window after it was dispatched; `debounce`
 * holds the job for a quiet window, and each dispatch within it replaces its payload (and options) and starts
 * the window again, so the last one runs.
 */
export type UniqueMode = 'drop' | 'throttle' | 'debounce';

/** The modes, for messages and checks. */
export const UNIQUE_MODES: readonly UniqueMode[] = ['drop', 'throttle', 'debounce'];

/** Longest unique window: as far as a job may be delayed. */
export const MAX_UNIQUE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** How a job type's dispatches are deduplicated (see {@link UniqueMode}). */
export interface UniquePolicy {
  readonly mode: UniqueMode;
  /**
   * The payload fields (dotted paths) whose values make the key, e.g. `['user_id']`; undefined means the
   * whole payload. Keys are per tenant and job type.
   */
  readonly by?: readonly string[];
  /**
   * The window in ms: required for `throttle` and `debounce`; for `drop`, how long at most a waiting or
   * running job holds its key (undefined: as long as it waits or runs).
   */
  readonly forMs?: number;
}

/** `unique` as {@link defineJob} takes it: `for` in ms or as `'30s'`, `'10m'`, `'2h'`, `'1d'`. */
export interface UniqueSpec {
  /** @defaultValue `'drop'` */
  mode?: UniqueMode;
  by?: readonly string[];
  for?: number | string;
}

const DURATION = /^(\d+)\s*(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `'10m'` as 600000; a number as it is; undefined when neither. */
export function durationMs(value: number | string): number | undefined {
  if (typeof value === 'number') return value;
  const match = DURATION.exec(value.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

/** A unique policy with its window in ms, and what is wrong with it (fields named from `field`). */
export function toUniquePolicy(
  spec: UniqueSpec,
  field = 'unique',
): { policy: UniquePolicy; problems: Array<{ field: string; reason: string }> } {
  const mode = spec.mode ?? 'drop';
  const forMs = spec.for === undefined ? undefined : durationMs(spec.for);
  const problems: Array<{ field: string; reason: string }> = [];
  if (!UNIQUE_MODES.includes(mode)) problems.push({ field: `${field}.mode`, reason: `must be one of: ${UNIQUE_MODES.join(', ')}` });
  if (spec.for !== undefined && (forMs === undefined || !Number.isInteger(forMs) || forMs < 1 || forMs > MAX_UNIQUE_WINDOW_MS)) {
    problems.push({ field: `${field}.for`, reason: 'must be 1 ms to 30 days, in ms or as "30s", "10m", "2h", "1d"' });
  } else if (forMs === undefined && mode !== 'drop') {
    problems.push({ field: `${field}.for`, reason: `must be given for mode ${mode}` });
  }
  if (
    spec.by !== undefined &&
    (!Array.isArray(spec.by) || spec.by.length === 0 || spec.by.some((f) => typeof f !== 'string' || f === ''))
  ) {
    problems.push({ field: `${field}.by`, reason: 'must list one or more payload fields' });
  }
  const policy: UniquePolicy = Object.freeze({ mode, by: spec.by && Object.freeze([...spec.by]), forMs });
  return { policy, problems };
}

/** Longest group key. */
export const MAX_GROUP_KEY_LENGTH = 200;

/**
 * How a job type's jobs share out their queue by group: each job belongs to one group of its queue and tenant
 * (the dispatch's `group`, or the payload field {@link by}); the api lets a group's jobs go to the workers
 * within its limits, taking the groups of a queue in turn, so a group with a long backlog does not hold back
 * the others.
 */
export interface GroupPolicy {
  /** The payload field (dotted path) whose value is a job's group key; undefined: each dispatch names its group. */
  readonly by?: string;
  /** At most this many of a group's jobs running at once, across all workers; undefined: no cap but the turns. */
  readonly concurrency?: number;
  /** At most `limit` of a group's jobs started in any `perMs`; undefined: no rate limit. */
  readonly rate?: { readonly limit: number; readonly perMs: number };
  /** One at a time, in dispatch order: a job starts once the one dispatched before it has finished (retries included). */
  readonly fifo: boolean;
}

/** `group` as {@link defineJob} takes it: `rate.per` in ms or as `'30s'`, `'1m'`. */
export interface GroupSpec {
  by?: string;
  concurrency?: number;
  rate?: { limit: number; per: number | string };
  /** @defaultValue `false` */
  fifo?: boolean;
}

/** Longest rate window of a group. */
export const MAX_GROUP_RATE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A group policy with its window in ms, and what is wrong with it (fields named from `field`). */
export function toGroupPolicy(
  spec: GroupSpec,
  field = 'group',
): { policy: GroupPolicy; problems: Array<{ field: string; reason: string }> } {
  const problems: Array<{ field: string; reason: string }> = [];
  if (spec.by !== undefined && (typeof spec.by !== 'string' || spec.by === '')) {
    problems.push({ field: `${field}.by`, reason: 'must name a payload field' });
  }
  if (spec.concurrency !== undefined && !inRange(spec.concurrency, { min: 1, max: 10_000 })) {
    problems.push({ field: `${field}.concurrency`, reason: 'must be an integer from 1 to 10000' });
  }
  if (spec.fifo !== undefined && typeof spec.fifo !== 'boolean') problems.push({ field: `${field}.fifo`, reason: 'must be true or false' });
  if (spec.fifo === true && spec.concurrency !== undefined && spec.concurrency !== 1) {
    problems.push({ field: `${field}.concurrency`, reason: 'must be 1 (or left out) for a fifo group: its jobs run one at a time' });
  }
  let rate: GroupPolicy['rate'];
  if (spec.rate !== undefined) {
    const perMs = typeof spec.rate?.per === 'number' || typeof spec.rate?.per === 'string' ? durationMs(spec.rate.per) : undefined;
    if (!inRange(spec.rate?.limit, { min: 1, max: 1_000_000 })) {
      problems.push({ field: `${field}.rate.limit`, reason: 'must be an integer from 1 to 1000000' });
    }
    if (perMs === undefined || !inRange(perMs, { min: 1, max: MAX_GROUP_RATE_WINDOW_MS })) {
      problems.push({ field: `${field}.rate.per`, reason: 'must be 1 ms to 1 day, in ms or as "30s", "1m", "1h"' });
    }
    rate = Object.freeze({ limit: spec.rate?.limit, perMs: perMs ?? 0 });
  }
  const fifo = spec.fifo === true;
  const policy: GroupPolicy = Object.freeze({ by: spec.by, concurrency: fifo ? 1 : spec.concurrency, rate, fifo });
  return { policy, problems };
}

/** A class whose instances are a job's payload; its class-validator decorators are the payload's rules. */
export type PayloadClass<P extends object = object> = new () => P;

/** A job's name, payload rules, result type and queue: the one place both apps agree on a job. */
export interface JobDefinition<P extends object = object, R = unknown> {
  /** Dotted name on the wire, e.g. `email.welcome`. Never a class name. */
  readonly name: string;
  /** The payload class; validated with class-validator before storing and again before running. */
  readonly payload: PayloadClass<P>;
  /**
   * Queue the job is routed to; workers pick queues to consume.
   * @defaultValue `'default'`
   */
  readonly queue: string;
  /** One sentence for docs and the known-types list. */
  readonly description: string;
  /** Attempts and backoff; per-dispatch options override them. */
  readonly retry: RetryPolicy;
  /** How long one attempt may run before its AbortSignal fires and it fails with code `timeout`. */
  readonly timeoutMs: number;
  /** 0 (lowest) to 9 (highest): with a backlog, higher runs first. Per-dispatch `priority` overrides it. */
  readonly priority: number;
  /** How long a finished job is kept before it is purged (then its id answers 410). */
  readonly retentionMs: number;
  /** At most this many jobs of this type run at once in one worker; undefined means only the worker's limit. */
  readonly concurrency?: number;
  /** At most this many jobs of this type start per second, across all workers; undefined means no limit. */
  readonly rateLimitPerSecond?: number;
  /** Largest payload accepted, in bytes of its JSON; a larger one is refused with 413 and never stored. */
  readonly maxPayloadBytes: number;
  /** A payload that passes the payload class's rules, shown in the api's OpenAPI document; undefined when none was given. */
  readonly example?: P;
  /** How dispatches of this type with the same key are deduplicated; undefined means they are not. */
  readonly unique?: UniquePolicy;
  /** How its jobs share out their queue by group (see {@link GroupPolicy}); undefined: only a dispatch's `group` groups them. */
  readonly group?: GroupPolicy;
  /** Carries the result type for the compiler only; always `undefined` at run time. */
  readonly resultType?: R;
}

/** What {@link defineJob} takes besides the name. */
export interface JobSpec<P extends object> {
  payload: PayloadClass<P>;
  /** @defaultValue `'default'` */
  queue?: string;
  /** @defaultValue `''` */
  description?: string;
  /**
   * Overrides of {@link DEFAULT_RETRY_POLICY}; `backoff` replaces the default backoff whole.
   * @defaultValue 3 attempts, exponential backoff from 1 s (±20 %) up to 5 min
   */
  retry?: { maxAttempts?: number; backoff?: BackoffPolicy };
  /** @defaultValue `300000` (5 minutes) */
  timeoutMs?: number;
  /** @defaultValue `0` */
  priority?: number;
  /** @defaultValue `604800000` (7 days) */
  retentionMs?: number;
  /** Per-worker cap on running jobs of this type. @defaultValue no cap beyond the worker's `concurrency` */
  concurrency?: number;
  /** Jobs of this type started per second across all workers. @defaultValue unlimited */
  rateLimitPerSecond?: number;
  /** Largest payload, in bytes of its JSON (1 to 16 MiB). @defaultValue `262144` (256 KiB) */
  maxPayloadBytes?: number;
  /**
   * A payload that passes the payload class's rules, for documentation: the api's OpenAPI document shows it
   * as this job type's example. Give every job one; it is not checked here, so test it with `validatePayload`.
   * @defaultValue none
   */
  example?: P;
  /**
   * Deduplicates dispatches with the same key, e.g. `{ by: ['user_id'], for: '10m', mode: 'throttle' }`:
   * see {@link UniqueMode}. A dispatch may override it or turn it off (`unique: false`).
   * @defaultValue none: every dispatch is a job
   */
  unique?: UniqueSpec;
  /**
   * Groups the jobs, e.g. `{ by: 'customer_id', concurrency: 2 }`: see {@link GroupPolicy}. A dispatch may name
   * the group itself, or dispatch ungrouped (`group: false`).
   * @defaultValue none: a job is in a group only when its dispatch names one
   */
  group?: GroupSpec;
}

/** Largest payload of a job type unless its definition says otherwise: 256 KiB of JSON. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
/** Largest payload any job type may allow: messages stay well under what a broker handles comfortably. */
export const MAX_PAYLOAD_BYTES_LIMIT = 16 * 1024 * 1024;

/** How long finished jobs are kept unless their definition says otherwise: 7 days. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** The payload type of a job definition. */
export type PayloadOf<J> = J extends JobDefinition<infer P, unknown> ? P : never;
/** The result type of a job definition. */
export type ResultOf<J> = J extends JobDefinition<object, infer R> ? R : never;

function inRange(value: unknown, range: { min: number; max: number }): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max;
}

const JOB_NAME = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;
const QUEUE_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * Declares a job. Give the result type explicitly so handlers and `getResult` are checked against it:
 *
 * ```ts
 * export const WelcomeEmail = defineJob<WelcomeEmailPayload, WelcomeEmailResult>('email.welcome', {
 *   payload: WelcomeEmailPayload,
 * });
 * ```
 */
export function defineJob<P extends object, R>(name: string, spec: JobSpec<P>): JobDefinition<P, R> {
  if (!JOB_NAME.test(name)) {
    throw new TypeError(`Job name "${name}" must be lower-case dotted words, e.g. "email.welcome"`);
  }
  const queue = spec.queue ?? 'default';
  if (!QUEUE_NAME.test(queue)) {
    throw new TypeError(`Queue "${queue}" of job "${name}" must be lower-case letters, digits, "-" or "_"`);
  }
  const retry: RetryPolicy = Object.freeze({
    maxAttempts: spec.retry?.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
    backoff: Object.freeze({ ...(spec.retry?.backoff ?? DEFAULT_RETRY_POLICY.backoff) }),
  });
  const problems = [
    ...checkBackoff(backoffToWire(retry.backoff), 'retry.backoff'),
    ...(inRange(retry.maxAttempts, RETRY_LIMITS.maxAttempts) ? [] : [{ field: 'retry.maxAttempts', reason: 'out of range' }]),
    ...(inRange(spec.timeoutMs ?? DEFAULT_TIMEOUT_MS, RETRY_LIMITS.timeoutMs) ? [] : [{ field: 'timeoutMs', reason: 'out of range' }]),
    ...(inRange(spec.priority ?? 0, { min: 0, max: 9 }) ? [] : [{ field: 'priority', reason: 'must be an integer from 0 to 9' }]),
    ...(inRange(spec.retentionMs ?? DEFAULT_RETENTION_MS, { min: 0, max: 10 * 365 * 24 * 3600 * 1000 })
      ? []
      : [{ field: 'retentionMs', reason: 'out of range' }]),
    ...(spec.concurrency === undefined || inRange(spec.concurrency, { min: 1, max: 10_000 })
      ? []
      : [{ field: 'concurrency', reason: 'must be a positive integer' }]),
    ...(spec.maxPayloadBytes === undefined || inRange(spec.maxPayloadBytes, { min: 1, max: MAX_PAYLOAD_BYTES_LIMIT })
      ? []
      : [{ field: 'maxPayloadBytes', reason: 'must be an integer from 1 to 16777216' }]),
    ...(spec.rateLimitPerSecond === undefined || inRange(spec.rateLimitPerSecond, { min: 1, max: 1_000_000 })
      ? []
      : [{ field: 'rateLimitPerSecond', reason: 'must be a positive integer' }]),
  ];
  const unique = spec.unique && toUniquePolicy(spec.unique);
  problems.push(...(unique?.problems ?? []));
  const group = spec.group && toGroupPolicy(spec.group);
  problems.push(...(group?.problems ?? []));
  if (problems.length > 0) {
    throw new TypeError(`Job "${name}": ${problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`);
  }
  return Object.freeze({
    name,
    payload: spec.payload,
    queue,
    description: spec.description ?? '',
    retry,
    timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    priority: spec.priority ?? 0,
    retentionMs: spec.retentionMs ?? DEFAULT_RETENTION_MS,
    concurrency: spec.concurrency,
    rateLimitPerSecond: spec.rateLimitPerSecond,
    maxPayloadBytes: spec.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    example: spec.example,
    unique: unique?.policy,
    group: group?.policy,
  });
}

/** A set of job definitions looked up by name; rejects two definitions with one name. */
export class JobCatalogue {
  private readonly byName = new Map<string, JobDefinition>();
  private sealed = false;

  constructor(definitions: readonly JobDefinition[] = []) {
    this.add(definitions);
  }

  /**
   * Adds definitions (a feature module's): the same definition twice is kept once, two definitions of one
   * name are an error. Throws once the catalogue is {@link seal}ed, when the app has started.
   */
  add(definitions: readonly JobDefinition[]): void {
    if (this.sealed) throw new TypeError('Job definitions can only be added before the app starts');
    for (const definition of definitions) {
      const known = this.byName.get(definition.name);
      if (known === definition) continue;
      if (known) throw new TypeError(`Job "${definition.name}" is defined twice`);
      this.byName.set(definition.name, definition);
    }
  }

  /** From now on the catalogue is what the app runs with: {@link add} throws. */
  seal(): void {
    this.sealed = true;
  }

  get(name: string): JobDefinition | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  all(): JobDefinition[] {
    return [...this.byName.values()];
  }

  /** Distinct queue names, sorted. */
  queues(): string[] {
    return [...new Set(this.all().map((definition) => definition.queue))].sort();
  }
}
