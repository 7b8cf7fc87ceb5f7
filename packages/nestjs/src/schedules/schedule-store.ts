import type { ScheduleInput, ScheduleRecord } from './schedule-record';

/**
 * Where cron schedules live, in the job store's database. Several api instances share it: {@link claim}
 * is the one operation that decides which instance dispatches a tick. Implementations pass
 * `kysely-schedule-store.spec.ts`.
 */
export abstract class ScheduleStore {
  /**
   * Creates the schedule, or replaces the definition of the one with that name, keeping whether it is
   * paused and when it last ran. `nextRunAt` (the first tick after now) is stored for a new schedule and
   * for one whose cron or time zone changed; otherwise the pending tick is kept, so re-declaring an
   * unchanged schedule never skips or repeats one.
   */
  abstract upsert(input: ScheduleInput, nextRunAt: number | null, now: number): Promise<{ created: boolean; schedule: ScheduleRecord }>;

  abstract get(name: string): Promise<ScheduleRecord | undefined>;

  /** Every schedule, by name. */
  abstract list(tenant: string): Promise<ScheduleRecord[]>;

  /** Returns whether there was such a schedule. */
  abstract delete(name: string): Promise<boolean>;

  /** Stops the schedule firing (clears its pending tick). Returns it as it now is, or undefined if unknown. */
  abstract pause(name: string, now: number): Promise<ScheduleRecord | undefined>;

  /**
   * Lets a paused schedule fire again from `nextRunAt` (computed from now, so ticks missed while paused
   * are not made up). A schedule that is not paused is left as it is.
   */
  abstract resume(name: string, nextRunAt: number | null, now: number): Promise<ScheduleRecord | undefined>;

  /** Unpaused schedules whose pending tick is at or before `now`, earliest first. */
  abstract due(now: number, limit: number): Promise<ScheduleRecord[]>;

  /**
   * Moves the schedule from tick `due` to `next`, only if `due` is still its pending tick; true for the
   * one caller that did. Concurrent callers with the same `due` (other api instances) get false.
   */
  abstract claim(name: string, due: number, next: number | null): Promise<boolean>;

  /** The earliest pending tick of any unpaused schedule, or undefined if there is none. */
  abstract nextDue(): Promise<number | undefined>;

  /** Deletes the code-declared schedules not named in `keep`; returns the names deleted. */
  abstract deleteCodeSchedulesExcept(keep: readonly string[]): Promise<string[]>;
}
