/** How long a drain of `jobs` may take in all before the run is called failed: only catches hangs. */
export function drainTimeoutMs(jobs: number): number {
  return 60_000 + jobs * 10;
}

/**
 * How long a count of results may stand still before the run is called failed. Waiting is otherwise
 * open-ended: a contender slower than the offered rate finishes its latency phase late, not never.
 */
export const STALL_MS = 30_000;

/** How long a contender may take to start its processes and run its warm-up. */
export const SETUP_TIMEOUT_MS = 60_000;
