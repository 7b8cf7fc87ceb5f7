import { isTerminalStatus, jobLog } from '@cask/contracts';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { firstAttemptMessage } from '../dispatcher/job-message';
import { JobEventBus, JobUpdate } from '../events/job-event-bus';
import { GroupGate } from '../groups/group-gate';
import { JobMetrics } from '../metrics/job-metrics';
import { OutboxRelay } from '../outbox/outbox-relay';
import { FlowPass, FlowStore } from '../store/flow-store';

/** How often the gate looks for flows a lost pass left behind (a crash between an event and its pass). */
const LOOK_EVERY_MS = 1000;
/** Flows one look passes at most; the next look takes the rest. */
const LOOK_LIMIT = 100;

/**
 * Lets flow jobs go once their parents have finished. When a job finishes (a worker's event, or the api's
 * cancel) while any flow has waiting jobs, the gate passes over the flows in which it is a parent: the store
 * settles or lets go, in one transaction, what is ready, and the gate publishes the messages (a grouped job's
 * go to its group's gate). Every second it also looks for ready jobs no pass took, such as those whose
 * parent's event another api instance applied just before it stopped. Passes never overlap here; on
 * PostgreSQL a flow's passes never overlap across api instances either.
 */
@Injectable()
export class FlowGate implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FlowGate.name);
  /** Whether any flow may have waiting jobs: until then, finished jobs are not looked up. */
  private open = false;
  /** Kicks so far: a look that began before one must not close the gate it opened. */
  private kicks = 0;
  /** Jobs finished since the last look-up of their flows. */
  private readonly finished = new Set<string>();
  /** Flows to pass over next. */
  private readonly due = new Set<string>();
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(
    private readonly store: FlowStore,
    private readonly relay: OutboxRelay,
    private readonly groups: GroupGate,
    private readonly bus: JobEventBus,
    private readonly metrics: JobMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.bus.subscribe((update) => this.onUpdate(update));
    this.timer = setInterval(() => void this.look(), LOOK_EVERY_MS);
    this.timer.unref();
    void this.look();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.running;
  }

  /** A flow was committed, or a job of it redriven: it has waiting jobs, and may have ready ones. */
  kick(flowId: string): void {
    if (this.stopped) return;
    this.open = true;
    this.kicks += 1;
    this.due.add(flowId);
    this.start();
  }

  private onUpdate(update: JobUpdate): void {
    if (!this.open || this.stopped) return;
    if (update.source === 'worker') {
      if (update.event.kind !== 'succeeded' && update.event.kind !== 'failed') return;
      this.finished.add(update.event.job_id);
    } else {
      if (!isTerminalStatus(update.status)) return;
      this.finished.add(update.job_id);
    }
    this.start();
  }

  private start(): void {
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    while ((this.due.size > 0 || this.finished.size > 0) && !this.stopped) {
      if (this.finished.size > 0) {
        const ids = [...this.finished];
        this.finished.clear();
        try {
          for (const flow of await this.store.flowsAfter(ids)) this.due.add(flow);
        } catch (err) {
          // The look every second finds what these jobs' flows have ready.
          this.logger.warn(`Flows: looking up finished jobs' flows failed (${(err as Error).message})`);
        }
      }
      const flows = [...this.due];
      this.due.clear();
      for (const flow of flows) await this.pass(flow);
    }
  }

  private async pass(flowId: string): Promise<void> {
    try {
      const pass = await this.store.releaseFlow(flowId, Date.now(), (job, inputs) => ({
        ...firstAttemptMessage(job, Date.now(), undefined, inputs),
        availableAt: Date.now() + this.relay.inlineLeaseMs,
      }));
      this.send(pass);
    } catch (err) {
      // The look every second tries again; the flow's waiting jobs stay waiting.
      this.logger.warn(`Flow ${flowId}: pass failed (${(err as Error).message}); trying again shortly`);
    }
  }

  private send({ released, settled }: FlowPass): void {
    for (const { job, message } of released) {
      if (job.group !== null) this.groups.kick(job.queue);
      else this.relay.publishNow(message);
      this.bus.publishApiChange(job, job.updatedAt, 'queued');
    }
    for (const job of settled) {
      this.logger.log({ ...jobLog(job.id, job.type), msg: `Job ${job.type} ${job.id}: failed without running (${job.error?.message})` });
      this.metrics.failedUnrun(job.type);
      this.bus.publishApiChange(job, job.updatedAt, 'failed');
    }
  }

  private async look(): Promise<void> {
    if (this.stopped) return;
    try {
      const kicks = this.kicks;
      const waiting = await this.store.anyFlowWaiting();
      if (!waiting) {
        if (this.kicks === kicks) this.open = false;
        return;
      }
      this.open = true;
      for (const flow of await this.store.readyFlows(LOOK_LIMIT)) this.kick(flow);
    } catch (err) {
      this.logger.warn(`Flows: looking for ready jobs failed (${(err as Error).message})`);
    }
  }
}
