import { ScheduleJobOptions, backoffFromWire, backoffToWire } from '@cask/contracts';
import type { DispatchOptions } from '../dispatcher/async-dispatcher';
import type { ScheduleOptionsWire } from './schedule-record';

/** A code-declared schedule's job options as they are stored and shown; unset options stay unset. */
export function scheduleOptionsToWire(options: ScheduleJobOptions): ScheduleOptionsWire {
  const wire: ScheduleOptionsWire = {};
  if (options.priority !== undefined) wire.priority = options.priority;
  if (options.maxAttempts !== undefined) wire.max_attempts = options.maxAttempts;
  if (options.backoff !== undefined) wire.backoff = backoffToWire(options.backoff);
  if (options.timeoutMs !== undefined) wire.timeout_ms = options.timeoutMs;
  return wire;
}

/** The dispatch options a stored schedule's job options stand for. */
export function dispatchOptionsOf(wire: ScheduleOptionsWire): DispatchOptions {
  return {
    priority: wire.priority,
    maxAttempts: wire.max_attempts,
    backoff: wire.backoff && backoffFromWire(wire.backoff),
    timeoutMs: wire.timeout_ms,
  };
}
