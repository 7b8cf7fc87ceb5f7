import type { BackoffWire } from '@cask/contracts';

/** Where a schedule was declared: over HTTP, or in code with `defineSchedule`. */
export type ScheduleSource = 'api' | 'code';

/** Job options a schedule dispatches with, stored and shown as HTTP spells them. */
export interface ScheduleOptionsWire {
  priority?: number;
  max_attempts?: number;
  backoff?: BackoffWire;
  timeout_ms?: number;
}

/** A schedule's definition: what to dispatch and when. */
export interface ScheduleInput {
  name: string;
  cron: string;
  timezone: string;
  type: string;
  payload: object;
  options: ScheduleOptionsWire;
  source: ScheduleSource;
  /** The tenant that owns the schedule and its jobs. @defaultValue `'default'` (code schedules) */
  tenant?: string;
}

/** A stored schedule; times are epoch milliseconds. */
export interface ScheduleRecord extends ScheduleInput {
  tenant: string;
  paused: boolean;
  /** The tick to dispatch next; null while paused. */
  nextRunAt: number | null;
  /** The last tick dispatched (its due time, not when it ran). */
  lastRunAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A schedule name is one namespace across tenants: another tenant's schedule already has it. */
export class ScheduleNameTakenError extends Error {
  constructor(readonly scheduleName: string) {
    super(`A schedule named "${scheduleName}" already exists; choose another name`);
    this.name = 'ScheduleNameTakenError';
  }
}
