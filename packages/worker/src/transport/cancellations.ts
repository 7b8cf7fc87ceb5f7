/** How long a cancellation is remembered: as long as the control stream keeps it. */
const REMEMBER_MS = 7 * 24 * 60 * 60 * 1000;

/** The cancelled job series this worker has read from the control stream. */
export class Cancellations {
  private readonly cancelled = new Map<string, { series: number; at: number }>();

  add(jobId: string, series: number, at: number): void {
    const known = this.cancelled.get(jobId);
    if (!known || known.series < series) this.cancelled.set(jobId, { series, at });
  }

  /** True when this series of the job (or a later one) was cancelled. */
  has(jobId: string, series: number): boolean {
    const known = this.cancelled.get(jobId);
    return known !== undefined && known.series >= series;
  }

  /** Forgets cancellations older than the stream keeps; a job that old has long left every queue. */
  prune(now = Date.now()): void {
    for (const [jobId, { at }] of this.cancelled) if (now - at > REMEMBER_MS) this.cancelled.delete(jobId);
  }

  get size(): number {
    return this.cancelled.size;
  }
}
