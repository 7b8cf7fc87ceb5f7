/**
 * Wall-clock time in epoch milliseconds with sub-millisecond resolution. Comparable across processes
 * on one machine, so a latency can start in one process and end in another.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
