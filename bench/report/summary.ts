import type { RunResult } from '../contender';
import { Spread, spread } from '../support/stats';

/** One row of the table: a contender's runs reduced to medians with their range. */
export interface SummaryRow {
  id: string;
  title: string;
  runs: number;
  failures: string[];
  drainJobsPerSecond?: Spread;
  enqueueJobsPerSecond?: Spread;
  p50?: Spread;
  p95?: Spread;
  p99?: Spread;
  /** Results of the latency phase that never became visible, summed over runs. */
  lost: number;
  peakRssMb: Record<string, Spread>;
  /** CPU per job during the drain, ms, by process role and local service. */
  cpuMsPerJob: Record<string, Spread>;
  http?: { requestsPerSecond?: Spread; acceptP50?: Spread; acceptP99?: Spread };
  /** Keeps its jobs on disk, as Cask does: a peer for Cask's durable rows (see the registry). */
  durablePeer: boolean;
  /** Drain jobs/s over the amqplib limit's. */
  vsRaw?: number;
  /** Drain jobs/s over BullMQ's on the Redis that keeps nothing, like with like (see {@link likeWithLike}). */
  vsBullmq?: number;
  /** Drain jobs/s over the fastest durable peer's in this run (another than itself), like with like. */
  vsDurable?: { ratio: number; peer: string };
  /** It drains slower than the latency phase offers jobs: its latencies measure a growing queue. */
  saturated: boolean;
}

const perSecond = (jobs: number, ms: number) => (jobs * 1000) / ms;

function bySpread(
  results: readonly RunResult[],
  pick: (r: RunResult) => Record<string, number> | undefined,
  scale = 1,
): Record<string, Spread> {
  const roles = [...new Set(results.flatMap((r) => Object.keys(pick(r) ?? {})))];
  const out: Record<string, Spread> = {};
  for (const role of roles) {
    const value = spread(results.map((r) => (pick(r)?.[role] ?? Number.NaN) * scale));
    if (value) out[role] = value;
  }
  return out;
}

/** Reduces runs to rows; a contender's bulk drain becomes a row of its own after it. */
export function summarize(
  specs: ReadonlyArray<{ id: string; title: string; bulkApi?: string; durablePeer?: boolean }>,
  results: readonly RunResult[],
  failures: ReadonlyMap<string, string[]>,
  batchSize: number,
  rate: number,
): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const spec of specs) {
    const runs = results.filter((r) => r.contender === spec.id);
    if (runs.length === 0 && !failures.has(spec.id)) continue;
    const drains = runs.map((r) => r.drain).filter((d) => d !== undefined);
    rows.push({
      id: spec.id,
      title: spec.title,
      runs: runs.length,
      failures: failures.get(spec.id) ?? [],
      durablePeer: spec.durablePeer ?? false,
      drainJobsPerSecond: spread(drains.filter((d) => !d.noResults).map((d) => perSecond(d.jobs, d.totalMs))),
      enqueueJobsPerSecond: spread(drains.map((d) => perSecond(d.jobs, d.enqueueMs))),
      p50: spread(runs.map((r) => r.latency?.p50)),
      p95: spread(runs.map((r) => r.latency?.p95)),
      p99: spread(runs.map((r) => r.latency?.p99)),
      lost: runs.reduce((sum, r) => sum + (r.latency ? r.latency.offered - r.latency.completed : 0), 0),
      peakRssMb: bySpread(runs, (r) => r.peakRss, 1 / 1024 / 1024),
      cpuMsPerJob: bySpread(runs, (r) => r.drainCpuMsPerJob),
      http: runs.some((r) => r.http)
        ? {
            requestsPerSecond: spread(runs.map((r) => r.http?.requestsPerSecond)),
            acceptP50: spread(runs.map((r) => r.acceptLatency?.p50)),
            acceptP99: spread(runs.map((r) => r.acceptLatency?.p99)),
          }
        : undefined,
      // Tolerates the wait for the last result at the end of the phase.
      saturated: runs.some((r) => r.latency !== undefined && r.latency.achievedRate < rate * 0.95),
    });
    const bulk = runs.map((r) => r.drainBulk).filter((d) => d !== undefined);
    if (bulk.length > 0) {
      rows.push({
        id: `${spec.id}-bulk`,
        title: `${spec.title}, ${spec.bulkApi ?? 'bulk dispatch'} of ${batchSize}`,
        runs: bulk.length,
        failures: [],
        durablePeer: spec.durablePeer ?? false,
        drainJobsPerSecond: spread(bulk.map((d) => perSecond(d.jobs, d.totalMs))),
        enqueueJobsPerSecond: spread(bulk.map((d) => perSecond(d.jobs, d.enqueueMs))),
        lost: 0,
        peakRssMb: {},
        cpuMsPerJob: {},
        saturated: false,
      });
    }
  }
  const raw = drainOf(rows, 'raw-amqp');
  const durable = rows.filter((r) => r.durablePeer);
  for (const row of rows) {
    const own = row.drainJobsPerSecond?.median;
    if (own === undefined) continue;
    if (raw) row.vsRaw = own / raw;
    row.vsBullmq = drainRatio(rows, row.id, 'bullmq');
    let best: SummaryRow | undefined;
    for (const peer of durable) {
      if (isBulk(peer.id) !== isBulk(row.id) || baseId(peer.id) === baseId(row.id)) continue;
      if ((peer.drainJobsPerSecond?.median ?? 0) > (best?.drainJobsPerSecond?.median ?? 0)) best = peer;
    }
    const bestDrain = best?.drainJobsPerSecond?.median;
    if (best && bestDrain) row.vsDurable = { ratio: own / bestDrain, peer: best.title };
  }
  return rows;
}

const BULK = '-bulk';
const isBulk = (id: string) => id.endsWith(BULK);
const baseId = (id: string) => (isBulk(id) ? id.slice(0, -BULK.length) : id);

/**
 * Like with like: the row of contender `peer` that drained the same way as row `id`, one by one (Cask's
 * `dispatch` against BullMQ's `add`, pg-boss's `send`…) or in bulk (`dispatchMany` against `addBulk`…).
 */
export function likeWithLike(id: string, peer: string): string {
  return isBulk(id) ? `${peer}${BULK}` : peer;
}

/** Median drain jobs/s of row `id`, if it ran. */
export function drainOf(rows: readonly SummaryRow[], id: string): number | undefined {
  return rows.find((r) => r.id === id)?.drainJobsPerSecond?.median;
}

/** Row `id`'s drain over contender `peer`'s of the same kind; undefined when either did not drain. */
export function drainRatio(rows: readonly SummaryRow[], id: string, peer: string): number | undefined {
  const own = drainOf(rows, id);
  const theirs = drainOf(rows, likeWithLike(id, peer));
  return own !== undefined && theirs ? own / theirs : undefined;
}
