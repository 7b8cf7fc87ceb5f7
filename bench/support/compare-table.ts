import type { RunResult } from '../contender';
import { Spread, spread } from './stats';

/** Which way a figure improves. */
export type Better = 'higher' | 'lower';

/** One figure of one contender, as one bench run measured it. */
export interface Reading {
  contender: string;
  figure: string;
  better: Better;
  value: number;
}

/** What one quick run reported, reduced to what the comparison reads. */
export interface RoundReading {
  readings: Reading[];
  /** Contender id → why its run failed. */
  failures: Record<string, string[]>;
  /** One-minute load average when the run started. */
  loadAtStart?: number;
}

/** The part of a results `.json` (report/results-file.ts) the comparison reads; older revisions wrote the same. */
export interface ResultsJson {
  runs?: Partial<RunResult>[];
  failures?: Record<string, string[]>;
  environment?: { loadAtStart?: number };
}

/** One line of the comparison: a figure of a contender over every round of each side. */
export interface CompareRow {
  contender: string;
  figure: string;
  better: Better;
  baseValues: number[];
  headValues: number[];
  base?: Spread;
  head?: Spread;
  /** head median ÷ base median. */
  ratio?: number;
  verdict: string;
}

const perSecond = (jobs: number, ms: number) => (jobs * 1000) / ms;
const MB = 1024 * 1024;

/** The figures of a results file for the given contenders, in their order, each bulk drain after its contender. */
export function readingsOf(report: ResultsJson, only: readonly string[]): RoundReading {
  const readings: Reading[] = [];
  const add = (contender: string, figure: string, better: Better, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) readings.push({ contender, figure, better, value });
  };
  const runs = report.runs ?? [];
  for (const id of only) {
    for (const run of runs.filter((r) => r.contender === id)) {
      const { drain, drainBulk, latency } = run;
      if (drain && !drain.noResults) add(id, 'drain jobs/s', 'higher', perSecond(drain.jobs, drain.totalMs));
      if (drain) add(id, 'enqueue jobs/s', 'higher', perSecond(drain.jobs, drain.enqueueMs));
      add(id, 'p50 ms', 'lower', latency?.p50);
      add(id, 'p99 ms', 'lower', latency?.p99);
      for (const [role, bytes] of Object.entries(run.peakRss ?? {})) add(id, `peak RSS ${role} MB`, 'lower', bytes / MB);
      if (drainBulk) {
        add(`${id}-bulk`, 'drain jobs/s', 'higher', perSecond(drainBulk.jobs, drainBulk.totalMs));
        add(`${id}-bulk`, 'enqueue jobs/s', 'higher', perSecond(drainBulk.jobs, drainBulk.enqueueMs));
      }
    }
  }
  const failures = Object.fromEntries(Object.entries(report.failures ?? {}).filter(([id]) => only.includes(id)));
  return { readings, failures, loadAtStart: report.environment?.loadAtStart };
}

/** Changes smaller than this (0.5 %) read as "same". */
const SAME = 0.005;

/** "better by 12.3 %", "worse by 4.0 %" or "same", from head/base and which way the figure improves. */
export function verdict(ratio: number | undefined, better: Better, base?: Spread, head?: Spread): string {
  if (base === undefined && head === undefined) return '–';
  if (base === undefined) return 'not in base';
  if (head === undefined) return 'not in head';
  if (ratio === undefined || !Number.isFinite(ratio)) return '–';
  if (Math.abs(ratio - 1) < SAME) return 'same';
  const improved = better === 'higher' ? ratio > 1 : ratio < 1;
  const text = `${improved ? 'better' : 'worse'} by ${(Math.abs(ratio - 1) * 100).toFixed(1)} %`;
  // With several rounds a side, overlapping ranges say the difference is within the noise of this sitting.
  const ranged = base.min < base.max || head.min < head.max;
  const overlap = head.min <= base.max && base.min <= head.max;
  return ranged && overlap ? `${text} (ranges overlap)` : text;
}

/** Medians of each side and head/base, per contender and figure, in the order the figures first appear. */
export function compareRounds(base: readonly RoundReading[], head: readonly RoundReading[]): CompareRow[] {
  const rows = new Map<string, CompareRow>();
  const collect = (rounds: readonly RoundReading[], side: 'baseValues' | 'headValues') => {
    for (const round of rounds) {
      for (const r of round.readings) {
        const key = `${r.contender}\u0000${r.figure}`;
        let row = rows.get(key);
        if (!row) {
          row = { contender: r.contender, figure: r.figure, better: r.better, baseValues: [], headValues: [], verdict: '' };
          rows.set(key, row);
        }
        row[side].push(r.value);
      }
    }
  };
  collect(head, 'headValues');
  collect(base, 'baseValues');
  // Head's order first; a figure only the base has goes after its contender's other figures.
  const ordered = [...rows.values()];
  const contenders = [...new Set(ordered.map((r) => r.contender))];
  const sorted = contenders.flatMap((c) => ordered.filter((r) => r.contender === c));
  for (const row of sorted) {
    row.base = spread(row.baseValues);
    row.head = spread(row.headValues);
    row.ratio = row.base && row.head && row.base.median !== 0 ? row.head.median / row.base.median : undefined;
    row.verdict = verdict(row.ratio, row.better, row.base, row.head);
  }
  return sorted;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Throughput in whole jobs, latencies and memory with the digits their size needs. */
export function formatValue(value: number): string {
  const size = Math.abs(value);
  if (size >= 100) return integer.format(value);
  if (size >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function cell(value: Spread | undefined): string {
  if (!value) return '–';
  if (value.min === value.max) return formatValue(value.median);
  return `${formatValue(value.median)} (${formatValue(value.min)}–${formatValue(value.max)})`;
}

const HEADER = ['Contender', 'Figure', 'Better', 'Base', 'Head', 'Head/base', 'Verdict'];
const LEFT = new Set([0, 1, 2, 6]);

function cells(rows: readonly CompareRow[]): string[][] {
  return rows.map((row) => [
    row.contender,
    row.figure,
    row.better,
    cell(row.base),
    cell(row.head),
    row.ratio === undefined ? '–' : `${row.ratio.toFixed(3)}×`,
    row.verdict,
  ]);
}

/** The comparison for a terminal: columns padded, numbers right-aligned. */
export function textCompareTable(rows: readonly CompareRow[]): string {
  const body = cells(rows);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (LEFT.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownCompareTable(rows: readonly CompareRow[]): string {
  const align = HEADER.map((_, i) => (LEFT.has(i) ? ':--' : '--:'));
  return [HEADER, align, ...cells(rows)].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** Every round's value of each figure, so the spread behind a median can be read. */
export function markdownRoundsTable(rows: readonly CompareRow[]): string {
  const values = (v: number[]) => (v.length === 0 ? '–' : v.map(formatValue).join(', '));
  const lines = ['| Contender | Figure | Base, round by round | Head, round by round |', '| :-- | :-- | --: | --: |'];
  for (const row of rows) lines.push(`| ${row.contender} | ${row.figure} | ${values(row.baseValues)} | ${values(row.headValues)} |`);
  return lines.join('\n');
}
