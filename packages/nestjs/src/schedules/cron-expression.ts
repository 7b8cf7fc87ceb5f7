import { Cron } from 'croner';

/**
 * The times a cron expression fires, read in its time zone. Expressions reaching here passed
 * `checkCron` (five or six fields, a future run).
 */
export class CronExpression {
  private readonly cron: Cron;

  constructor(expression: string, timezone: string) {
    // No callback: croner only computes times here and never starts a timer of its own.
    this.cron = new Cron(expression, { mode: '5-or-6-parts', timezone });
  }

  /** The first tick strictly after `after` (epoch ms), or null if there is none. */
  nextAfter(after: number): number | null {
    return this.cron.nextRun(new Date(after))?.getTime() ?? null;
  }

  /** Up to `count` ticks strictly after `after`, in order. */
  nextRuns(after: number, count: number): number[] {
    return this.cron.nextRuns(count, new Date(after)).map((date) => date.getTime());
  }
}
