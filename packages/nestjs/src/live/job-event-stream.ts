import { JobProgressEvent, isTerminalStatus } from '@cask/contracts';
import { jobLog } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import type { JobEventBus, JobUpdate } from '../events/job-event-bus';
import type { JobRecord, JobTransition } from '../store/job-record';
import type { JobStore } from '../store/job-store';
import { toJobView } from '../store/job-view.mapper';
import { EventId, compareEventIds, formatEventId, inEventOrder, transitionEventId } from './event-id';
import { progressData, resultData, transitionData, updateJobId } from './live-event.mapper';
import type { LiveStream } from './live-stream';
import { ProgressGate, ProgressReport } from './progress-gate';
import type { SseSink } from './sse-response';

/** How opening a job's stream went: no such job, nothing left to send (answer 204), or ready to run. */
export type JobStreamOpening = 'missing' | 'caught-up' | 'ready';

type Work = { kind: 'sync' } | { kind: 'poll' } | { kind: 'progress'; event: JobProgressEvent };

interface Reading {
  record: JobRecord | undefined;
  history: JobTransition[];
}

/**
 * One client's `GET /jobs/:id/events`: a `snapshot` of the job, every status change after
 * `Last-Event-ID` (all of them without it), then changes as they happen, and a `result` once the job is
 * terminal, which ends the stream.
 *
 * The store is the source of truth for status changes: each is sent with its {@link EventId}, in id
 * order, and only if it is after the last one sent, so a change is never sent twice or skipped, and a
 * client resuming with `Last-Event-ID` gets exactly what it missed. The stream subscribes to the
 * {@link JobEventBus} before its first read, and each update for this job triggers a fresh read of the
 * job's history: what commits during the first read is announced afterwards, never lost.
 *
 * The bus is in-process: it only carries what this api instance applied. With several instances
 * consuming the event queue, another instance may apply this job's events, so the stream also re-reads
 * the job every {@link LiveEventsOptions.pollMs}; what both paths see is sent once (by id for status
 * changes, by value for progress).
 *
 * Progress is not in the history, only its latest value in the job: it is sent live, and a resuming
 * client gets the current value in its snapshot, not the values it missed.
 */
export class JobEventStream implements LiveStream {
  private readonly logger = new Logger(JobEventStream.name);
  private readonly progress = new ProgressGate();
  /** Bus updates and poll ticks, handled one at a time, in arrival order. */
  private readonly work: Work[] = [];
  /** `next_attempt_at` of retries seen on the bus (the history does not keep it), by event id. */
  private readonly nextAttempts = new Map<string, number>();
  private working = false;
  private closed = false;
  private unsubscribe?: () => void;
  private poller?: NodeJS.Timeout;
  private sink?: SseSink;
  private opening?: { record: JobRecord; history: JobTransition[] };
  private job?: Pick<JobRecord, 'id' | 'type'>;
  /** The job row as last read, so a poll that finds it unchanged skips the history. */
  private seen = '';

  constructor(
    private readonly jobId: string,
    private cursor: EventId | undefined,
    private readonly store: JobStore,
    private readonly bus: JobEventBus,
    private readonly pollMs: number,
    /** The tenant asking: another tenant's job is `missing`, like an unknown one. */
    private readonly tenant: string,
  ) {}

  /** Subscribes and reads the job. Unless `ready`, the stream is already closed. */
  async open(): Promise<JobStreamOpening> {
    // Subscribe before the first read: whatever commits during or after it is then announced to us.
    this.unsubscribe = this.bus.subscribe((update) => this.receive(update));
    let reading: Reading;
    try {
      reading = await this.read();
    } catch (err) {
      this.close();
      throw err;
    }
    const { record, history } = reading;
    if (!record || record.tenant !== this.tenant) {
      this.close();
      return 'missing';
    }
    const last = history.at(-1);
    if (this.cursor && (!last || compareEventIds(this.cursor, transitionEventId(last)) > 0)) {
      // Every id a stream sends was read from the shared store first, so an id past the job's history was
      // never sent for this job: replay everything rather than risk skipping changes.
      this.cursor = undefined;
    }
    if (this.cursor && last && settled(record, history) && compareEventIds(this.cursor, transitionEventId(last)) === 0) {
      // The client has seen the end already: a 204 tells an EventSource to stop reconnecting.
      this.close();
      return 'caught-up';
    }
    this.opening = { record, history };
    return 'ready';
  }

  run(sink: SseSink): void {
    if (this.closed || !this.opening) return;
    const { record, history } = this.opening;
    this.opening = undefined;
    this.sink = sink;
    sink.send({ event: 'snapshot', data: toJobView(record) });
    this.progress.admit(storedProgress(record));
    this.emit(record, history);
    if (this.closed) return;
    this.poller = setInterval(() => this.enqueue({ kind: 'poll' }), this.pollMs);
    this.drain();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    clearInterval(this.poller);
    this.work.length = 0;
  }

  private receive(update: JobUpdate): void {
    if (updateJobId(update) !== this.jobId) return;
    if (update.source === 'worker' && update.event.kind === 'progress') {
      this.enqueue({ kind: 'progress', event: update.event });
      return;
    }
    if (update.source === 'worker' && update.event.kind === 'retrying') {
      this.nextAttempts.set(formatEventId(transitionEventId({ ...update.event, status: 'retrying' })), update.event.next_attempt_at);
    }
    this.enqueue({ kind: 'sync' });
  }

  private enqueue(work: Work): void {
    if (this.closed) return;
    const tail = this.work.at(-1);
    if (work.kind !== 'progress' && tail && tail.kind !== 'progress') {
      // A read still waiting covers whatever was announced before it runs.
      if (work.kind === 'sync') this.work[this.work.length - 1] = work;
      return;
    }
    this.work.push(work);
    if (this.sink) this.drain();
  }

  private drain(): void {
    if (this.working) return;
    this.working = true;
    void this.drainLoop();
  }

  private async drainLoop(): Promise<void> {
    try {
      for (let work = this.work.shift(); work && !this.closed; work = this.work.shift()) {
        await this.handle(work);
      }
    } catch (err) {
      this.logger.warn({
        ...(this.job ? jobLog(this.jobId, this.job.type) : { job_id: this.jobId }),
        msg: `Job ${this.job?.type} ${this.jobId}: ending its event stream, the store could not be read (${(err as Error).message}); the client can resume with Last-Event-ID`,
      });
      this.finish();
    }
    // Cleared in the same turn as the last (empty) shift, so no work can be queued in between unseen.
    this.working = false;
  }

  private async handle(work: Work): Promise<void> {
    if (work.kind === 'progress') {
      const { event } = work;
      this.showProgress({ progress: event.progress, series: event.series, attempt: event.attempt, at: event.at });
      return;
    }
    if (work.kind === 'poll') {
      const record = await this.store.get(this.jobId);
      if (record && fingerprint(record) === this.seen) return;
    }
    const { record, history } = await this.read();
    if (!record) {
      // Purged while streaming: there is nothing more to say.
      this.finish();
      return;
    }
    this.emit(record, history);
  }

  private async read(): Promise<Reading> {
    // The row first: if it is terminal, its terminal transition (same transaction) is in the history read next.
    const record = await this.store.get(this.jobId);
    const history = record ? inEventOrder(await this.store.history(this.jobId)) : [];
    return { record, history };
  }

  /** Sends the changes after the cursor, then the job's progress, then ends if the job is settled. */
  private emit(record: JobRecord, history: readonly JobTransition[]): void {
    this.job = record;
    this.seen = fingerprint(record);
    let progressShown = false;
    for (const transition of history) {
      const id = transitionEventId(transition);
      if (this.cursor && compareEventIds(id, this.cursor) <= 0) continue;
      if (isTerminalStatus(transition.status) && transition.series === record.series && !progressShown) {
        // The last progress belongs before the outcome it led to.
        this.showProgress(storedProgress(record));
        progressShown = true;
      }
      const formatted = formatEventId(id);
      this.sink?.send({
        event: 'status',
        id: formatted,
        data: transitionData(record, transition, this.nextAttemptAt(record, transition, formatted)),
      });
      this.cursor = id;
    }
    if (!progressShown) this.showProgress(storedProgress(record));
    if (settled(record, history)) this.finish(record);
  }

  private nextAttemptAt(record: JobRecord, transition: JobTransition, id: string): number | null {
    if (transition.status !== 'retrying') return null;
    const current = record.status === 'retrying' && record.series === transition.series && record.attempts === transition.attempt;
    return this.nextAttempts.get(id) ?? (current ? record.nextAttemptAt : null);
  }

  private showProgress(report: ProgressReport): void {
    if (!this.job || !this.progress.admit(report) || report.progress === null) return;
    this.sink?.send({ event: 'progress', data: progressData(this.job, report.progress, report.series, report.attempt, report.at) });
  }

  private finish(record?: JobRecord): void {
    if (record) this.sink?.send({ event: 'result', data: resultData(record) });
    this.close();
    this.sink?.end();
  }
}

/** Terminal, and not redriven since: the history holds nothing of a later series. */
function settled(record: JobRecord, history: readonly JobTransition[]): boolean {
  const last = history.at(-1);
  return isTerminalStatus(record.status) && !(last && last.series > record.series);
}

function storedProgress(record: JobRecord): ProgressReport {
  return { progress: record.progress, series: record.series, attempt: record.attempts, at: record.updatedAt };
}

function fingerprint(record: JobRecord): string {
  return `${record.status}|${record.series}|${record.attempts}|${record.updatedAt}|${JSON.stringify(record.progress)}`;
}
