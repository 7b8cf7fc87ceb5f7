/** The p-th percentile (0–100) of samples, by nearest rank; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface LatencySummary {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / (sorted.length || 1);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean,
  };
}

/** Median with the range it came from, over runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly (number | undefined)[]): Spread | undefined {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (defined.length === 0) return undefined;
  const mid = Math.floor(defined.length / 2);
  const median = defined.length % 2 === 1 ? defined[mid] : (defined[mid - 1] + defined[mid]) / 2;
  return { median, min: defined[0], max: defined[defined.length - 1] };
}
