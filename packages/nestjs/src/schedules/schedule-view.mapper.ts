import { CronExpression } from './cron-expression';
import type { ScheduleOptionsWire, ScheduleRecord, ScheduleSource } from './schedule-record';

/** How many upcoming ticks `GET /schedules/:name` shows. */
export const NEXT_RUNS_SHOWN = 5;

/** A schedule as `GET /schedules` lists it (snake_case, ISO-8601 times). */
export interface ScheduleView {
  name: string;
  cron: string;
  timezone: string;
  type: string;
  payload: object;
  options: ScheduleOptionsWire;
  paused: boolean;
  source: ScheduleSource;
  /** The tick that fires next; null while paused. */
  next_run_at: string | null;
  /** The last tick that fired. */
  last_run_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One schedule, with its upcoming ticks (none while paused). */
export interface ScheduleDetailView extends ScheduleView {
  next_runs: string[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A stored schedule as the HTTP contract shows it. */
export function toScheduleView(record: ScheduleRecord): ScheduleView {
  return {
    name: record.name,
    cron: record.cron,
    timezone: record.timezone,
    type: record.type,
    payload: record.payload,
    options: record.options,
    paused: record.paused,
    source: record.source,
    next_run_at: iso(record.nextRunAt),
    last_run_at: iso(record.lastRunAt),
    created_at: new Date(record.createdAt).toISOString(),
    updated_at: new Date(record.updatedAt).toISOString(),
  };
}

/** The pending tick and the ones after it, {@link NEXT_RUNS_SHOWN} in all. */
export function toScheduleDetailView(record: ScheduleRecord): ScheduleDetailView {
  const nextRuns =
    record.nextRunAt === null
      ? []
      : [record.nextRunAt, ...new CronExpression(record.cron, record.timezone).nextRuns(record.nextRunAt, NEXT_RUNS_SHOWN - 1)];
  return { ...toScheduleView(record), next_runs: nextRuns.map((ms) => new Date(ms).toISOString()) };
}
