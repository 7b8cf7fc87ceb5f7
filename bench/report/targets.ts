import type { SummaryRow } from './summary';

/** One target of issue 5, checked against this run. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

const f = (n: number, digits = 2) => n.toFixed(digits);

/** The targets that one bench run can check (RSS flatness over 10 minutes needs a soak run). */
export function checkTargets(rows: readonly SummaryRow[]): TargetCheck[] {
  const row = (id: string) => rows.find((r) => r.id === id);
  const checks: TargetCheck[] = [];
  const bullmq = row('bullmq');
  for (const [id, floor] of [
    ['cask-sqlite', 1.0],
    ['cask-postgres', 0.8],
  ] as const) {
    const cask = row(id);
    // Like with like (see summary.ts): dispatch against BullMQ's add, dispatchMany against its addBulk.
    for (const drain of [cask, row(`${id}-bulk`)]) {
      if (drain?.vsBullmq !== undefined) {
        checks.push({
          target: `${drain.title}: drain ≥ ${f(floor, 1)}× BullMQ's`,
          measured: `${f(drain.vsBullmq)}×`,
          met: drain.vsBullmq >= floor,
        });
      }
    }
    if (cask?.p99 && bullmq?.p99) {
      checks.push({
        target: `${cask.title}: p99 ≤ BullMQ's p99 at the fixed rate`,
        measured: `${f(cask.p99.median, 1)} ms vs ${f(bullmq.p99.median, 1)} ms`,
        met: cask.p99.median <= bullmq.p99.median,
      });
    }
    if (cask?.p50) checks.push({ target: `${cask.title}: p50 ≤ 5 ms`, measured: `${f(cask.p50.median, 1)} ms`, met: cask.p50.median <= 5 });
  }
  const http = row('cask-http')?.http?.requestsPerSecond;
  const bare = row('bare-http')?.http?.requestsPerSecond;
  if (http && bare) {
    checks.push({
      target: 'POST /jobs ≥ 0.5× the bare Nest endpoint (requests/s)',
      measured: `${f(http.median / bare.median)}× (${f(http.median, 0)} vs ${f(bare.median, 0)} req/s)`,
      met: http.median / bare.median >= 0.5,
    });
  }
  for (const id of ['cask-sqlite', 'cask-postgres', 'cask-http']) {
    const r = row(id);
    if (!r) continue;
    const peaks = Object.entries(r.peakRssMb);
    if (peaks.length === 0) continue;
    const worst = Math.max(...peaks.map(([, s]) => s.max));
    const measured = peaks.map(([role, s]) => `${role} ${f(s.max, 0)} MB`).join(', ');
    // In-process rows measure the api and the bench driver together: no verdict on the api from them.
    const withDriver = peaks.some(([role]) => role.includes('bench'));
    checks.push({
      target: `${r.title}: peak RSS < 250 MB per process (the issue's bound is for a steady 1,000 jobs/s: npm run bench:soak)`,
      measured: withDriver ? `${measured} (api and bench driver in one process)` : measured,
      met: withDriver ? undefined : worst < 250,
    });
  }
  return checks;
}
