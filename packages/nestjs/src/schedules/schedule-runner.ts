import { JobCatalogue } from '@cask/contracts';
import { jobLog } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import { IdempotencyConflictError } from '../dispatcher/dispatch-errors';
import { InvalidPayloadError } from '../dispatcher/invalid-payload.error';
import { CronExpression } from './cron-expression';
import { dispatchOptionsOf } from './schedule-options';
import type { ScheduleRecord } from './schedule-record';
import { ScheduleStore } from './schedule-store';

/** Due schedules taken per round; a full batch makes the next round start at once. */
export const DUE_BATCH = 100;

/** What one round did. */
export interface RoundOutcome {
  /** Jobs this instance dispatched for ticks it claimed. */
  fired: number;
  /** A full batch was due: more may be waiting. */
  more: boolean;
  /** A tick could not be dispatched for now (store or broker trouble) and will be tried again. */
  failed: boolean;
}

/** The idempotency key of a schedule's tick: every instance dispatching that tick uses the same one. */
export function tickKey(name: string, due: number): string {
  return `schedule:${name}:${due}`;
}

/**
 * Fires due schedules: one job per tick, whichever instance gets there, whatever crashes.
 *
 * For each due tick it dispatches first, with the tick's idempotency key, and claims the tick after
 * (moving `next_run_at` on, only if it is still that tick). Every order of events then ends with one job:
 * - two instances dispatching the same tick: the key makes the second dispatch return the first's job;
 *   one of them wins the claim, the other's finds the tick gone.
 * - a crash (or a failed claim) after the dispatch: the tick is still due, and the next round's dispatch
 *   returns the job already made, then claims.
 * - a dispatch that fails (store or outbox full): nothing is claimed and the tick is tried again.
 * Claiming first would instead lose the tick when the process died between claim and dispatch.
 * This holds while the key is remembered (`idempotencyTtlMs`, a day by default); rounds retry a tick
 * within a poll, so only an api down longer than that between a dispatch and its claim could fire it twice.
 *
 * The next tick is the first after now, not after the tick that was due: after downtime the missed
 * ticks fire once, not once each.
 */
export class ScheduleRunner {
  private readonly logger = new Logger(ScheduleRunner.name);
  /** Schedules whose last tick went wrong, with the reason, so a lasting problem is logged once. */
  private readonly failing = new Map<string, string>();

  constructor(
    private readonly store: ScheduleStore,
    private readonly dispatcher: AsyncDispatcher,
    private readonly catalogue: JobCatalogue,
  ) {}

  /** Fires every schedule due at `now`, up to {@link DUE_BATCH}. */
  async runDue(now: number): Promise<RoundOutcome> {
    const due = await this.store.due(now, DUE_BATCH);
    const outcome: RoundOutcome = { fired: 0, more: due.length === DUE_BATCH, failed: false };
    for (const schedule of due) {
      const result = await this.fire(schedule, now);
      if (result === 'fired') outcome.fired += 1;
      if (result === 'failed') outcome.failed = true;
    }
    return outcome;
  }

  private async fire(schedule: ScheduleRecord, now: number): Promise<'fired' | 'skipped' | 'lost' | 'failed'> {
    const due = schedule.nextRunAt as number;
    const at = new Date(due).toISOString();
    let next: number | null;
    try {
      next = new CronExpression(schedule.cron, schedule.timezone).nextAfter(Math.max(now, due));
    } catch (err) {
      this.report(schedule, 'warn', `its cron "${schedule.cron}" (${schedule.timezone}) cannot be read: ${(err as Error).message}`);
      return 'failed';
    }
    const job = this.catalogue.get(schedule.type);
    if (!job) {
      // Retrying cannot help until a deploy brings the job type back: skip the tick rather than stall.
      this.report(schedule, 'error', `ticks skipped: job type ${schedule.type} is not defined in this api`);
      return (await this.store.claim(schedule.name, due, next)) ? 'skipped' : 'lost';
    }
    let jobId: string;
    try {
      jobId = await this.dispatcher.dispatch(job, schedule.payload, {
        ...dispatchOptionsOf(schedule.options),
        schedule: schedule.name,
        tenant: schedule.tenant,
        idempotencyKey: tickKey(schedule.name, due),
      });
    } catch (err) {
      if (err instanceof InvalidPayloadError) {
        // The job type's payload rules changed under a stored schedule; every later tick will fail the same way.
        const fields = err.errors.map((e) => `${e.field || 'payload'} ${e.reason}`).join('; ');
        this.report(schedule, 'error', `ticks skipped: the stored payload is no longer valid: ${fields}`);
        return (await this.store.claim(schedule.name, due, next)) ? 'skipped' : 'lost';
      }
      if (err instanceof IdempotencyConflictError) {
        // Another instance dispatched this tick from the schedule as it was before an update: it has its job.
        this.logger.warn({
          ...jobLog(err.existingJobId, schedule.type),
          msg: `Schedule ${schedule.name}: tick ${at} was already dispatched as ${schedule.type} ${err.existingJobId}`,
        });
        return (await this.store.claim(schedule.name, due, next)) ? 'skipped' : 'lost';
      }
      this.report(schedule, 'warn', `dispatch failed, retrying: ${(err as Error).message}`);
      return 'failed';
    }
    if (this.failing.delete(schedule.name)) this.logger.log(`Schedule ${schedule.name}: dispatching again`);
    if (!(await this.store.claim(schedule.name, due, next))) {
      // Another instance claimed the tick; the idempotency key made our dispatch return its job.
      this.logger.debug({
        ...jobLog(jobId, schedule.type),
        msg: `Schedule ${schedule.name}: tick ${at} taken by another instance (job ${schedule.type} ${jobId})`,
      });
      return 'lost';
    }
    this.logger.debug({
      ...jobLog(jobId, schedule.type),
      msg: `Schedule ${schedule.name}: tick ${at} dispatched job ${schedule.type} ${jobId}`,
    });
    return 'fired';
  }

  /** Logs a problem with a schedule once, not at every tick or retry while it lasts. */
  private report(schedule: ScheduleRecord, level: 'warn' | 'error', reason: string): void {
    if (this.failing.get(schedule.name) === reason) return;
    this.failing.set(schedule.name, reason);
    this.logger[level](`Schedule ${schedule.name} (${schedule.type}): ${reason}`);
  }
}
