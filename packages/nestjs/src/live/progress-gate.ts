import type { JobProgress } from '@cask/contracts';

/** One progress report as a stream sees it. */
export interface ProgressReport {
  progress: JobProgress | null;
  series: number;
  attempt: number;
  /** When it was reported (the event's time) or last written (the job row's `updated_at`). */
  at: number;
}

/**
 * Decides which progress values a stream shows. Progress is a latest value, not a log: it reaches a
 * stream both from the bus and from store reads, so each value is shown once per attempt, and never an
 * older report after a newer one. Times are only compared within one attempt: another attempt may run
 * on a worker whose clock differs.
 */
export class ProgressGate {
  private last?: { json: string; series: number; attempt: number; at: number };

  /** Whether to show this report; if so, it becomes the one later reports are compared with. */
  admit(report: ProgressReport): boolean {
    if (report.progress === null) return false;
    const json = JSON.stringify(report.progress);
    const last = this.last;
    if (last) {
      const order = report.series - last.series || report.attempt - last.attempt;
      if (order < 0 || (order === 0 && (json === last.json || report.at < last.at))) return false;
    }
    this.last = { json, series: report.series, attempt: report.attempt, at: report.at };
    return true;
  }
}
