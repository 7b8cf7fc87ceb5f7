import type { Spread } from '../support/stats';
import type { SummaryRow } from './summary';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function num(value: number, digits: number): string {
  return digits === 0 ? integer.format(value) : value.toFixed(digits);
}

/** "median (min–max)", or just the median for a single run. */
function cell(value: Spread | undefined, digits: number): string {
  if (!value) return '–';
  if (value.min === value.max) return num(value.median, digits);
  return `${num(value.median, digits)} (${num(value.min, digits)}–${num(value.max, digits)})`;
}

function ratio(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(2)}×`;
}

function rss(row: SummaryRow): string {
  const parts = Object.entries(row.peakRssMb).map(([role, value]) => `${role} ${num(value.median, 0)}`);
  return parts.length > 0 ? parts.join(', ') : '–';
}

/** Latencies of a contender slower than the offered rate grow with the queue: flagged, see SATURATED. */
function mark(row: SummaryRow, text: string): string {
  return row.saturated ? `${text} *` : text;
}

/** What the ratio columns divide by. */
export const RATIOS_NOTE =
  '× raw, × BullMQ, × durable: drain jobs/s over the amqplib limit, over BullMQ on the Redis that keeps nothing, and over the fastest ' +
  'durable peer (BullMQ on AOF Redis or on PostgreSQL, pg-boss, graphile-worker; not itself) in this run; like with like: one by one ' +
  'against one by one, bulk against bulk.';

export const SATURATED_NOTE =
  '* could not keep up with the offered rate (in at least one run): its latencies measure a queue growing for the whole phase.';

const HEADER = [
  'Contender',
  'Drain jobs/s',
  'Enqueue jobs/s',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'Peak RSS MB',
  '× raw',
  '× BullMQ',
  '× durable',
];

function cells(rows: readonly SummaryRow[]): string[][] {
  return rows.map((row) => [
    row.failures.length > 0 && row.runs === 0 ? `${row.title} (failed)` : row.title,
    cell(row.drainJobsPerSecond, 0),
    cell(row.enqueueJobsPerSecond, 0),
    mark(row, cell(row.p50, 1)),
    mark(row, cell(row.p95, 1)),
    mark(row, cell(row.p99, 1)),
    rss(row),
    ratio(row.vsRaw),
    ratio(row.vsBullmq),
    ratio(row.vsDurable?.ratio),
  ]);
}

/** The table for a terminal: columns padded, numbers right-aligned. */
export function textTable(rows: readonly SummaryRow[]): string {
  const body = cells(rows);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(rows: readonly SummaryRow[]): string {
  const body = cells(rows);
  const align = HEADER.map((_, i) => (i === 0 || i === 6 ? ':--' : '--:'));
  return [HEADER, align, ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** Where a drained job's CPU time went, ms per job: each process, then each local service. */
export function markdownCpuTable(rows: readonly SummaryRow[]): string {
  const lines = ['| Contender | CPU ms per job during the drain |', '| :-- | :-- |'];
  for (const row of rows) {
    const parts = Object.entries(row.cpuMsPerJob)
      .filter(([, v]) => v.median >= 0.005)
      .map(([role, v]) => `${role} ${v.median.toFixed(2)}`);
    if (parts.length > 0) lines.push(`| ${row.title} | ${parts.join(', ')} |`);
  }
  return lines.join('\n');
}
