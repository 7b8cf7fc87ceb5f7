import { JobCatalogue } from '@cask/contracts';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CodeScheduleRegistrar } from './code-schedule-registrar';
import { RoundOutcome, ScheduleRunner } from './schedule-runner';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import { CodeSchedules } from './code-schedules';
import { ScheduleStore } from './schedule-store';

/**
 * The longest the scheduler sleeps between rounds. It sleeps until the earliest pending tick when that is
 * sooner, so a tick fires on time; this bound is how soon it notices schedules created, resumed or
 * changed by another api instance.
 */
export const SCHEDULER_POLL_MS = 200;

/**
 * Runs the schedules in this api instance: declares the code schedules at start, then fires due ticks
 * in rounds (see {@link ScheduleRunner} for why each tick fires once across instances).
 */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Scheduler.name);
  private runner?: ScheduleRunner;
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private wakeRequested = false;
  private stopped = false;

  constructor(
    private readonly store: ScheduleStore,
    private readonly dispatcher: AsyncDispatcher,
    private readonly catalogue: JobCatalogue,
    private readonly codeSchedules: CodeSchedules,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { store, dispatcher, catalogue } = this;
    await new CodeScheduleRegistrar(store, catalogue).register(this.codeSchedules.all(), Date.now());
    this.runner = new ScheduleRunner(store, dispatcher, catalogue);
    this.sleep(0);
  }

  /**
   * Stops before the rest of the api shuts down (module destroy hooks run before ApiModule's
   * before-shutdown hooks stop the outbox relay), so no tick is dispatched into a closing api. A round
   * in progress finishes: its dispatches are committed or not, and the next start takes over either way.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** Starts a round now rather than at the next poll, e.g. after a schedule was created or resumed here. */
  wake(): void {
    if (this.stopped || !this.runner) return;
    if (this.round) {
      this.wakeRequested = true;
      return;
    }
    this.sleep(0);
  }

  private sleep(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.startRound(), ms);
    this.timer.unref();
  }

  private startRound(): void {
    const runner = this.runner as ScheduleRunner;
    this.wakeRequested = false;
    this.round = runner
      .runDue(Date.now())
      .then((outcome) => this.delayAfter(outcome))
      .catch((err: Error) => {
        this.logger.warn(`Schedule round failed: ${err.message}; retrying in ${SCHEDULER_POLL_MS} ms`);
        return SCHEDULER_POLL_MS;
      })
      .then((ms) => {
        this.round = undefined;
        if (!this.stopped) this.sleep(this.wakeRequested ? 0 : ms);
      });
  }

  /** How long to wait before the next round. */
  private async delayAfter(outcome: RoundOutcome): Promise<number> {
    if (outcome.more) return 0;
    // A tick that could not be dispatched is still due: wait a poll rather than retry in a tight loop.
    if (outcome.failed) return SCHEDULER_POLL_MS;
    const next = await this.store.nextDue();
    return next === undefined ? SCHEDULER_POLL_MS : Math.min(SCHEDULER_POLL_MS, Math.max(0, next - Date.now()));
  }
}
