import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunResult } from '../contender';
import type { BenchOptions } from '../support/bench-options';
import { Figures, renderFigures } from './plots';
import type { SummaryRow } from './summary';
import { markdownCpuTable, markdownTable, RATIOS_NOTE, SATURATED_NOTE } from './table';
import type { TargetCheck } from './targets';

/** The machine and services a run was measured on. */
export interface Environment {
  date: string;
  host: string;
  cpus: string;
  memoryGb: number;
  node: string;
  rabbitmq?: string;
  redis?: string;
  postgres?: string;
  /** One-minute load average when the bench started: above ~0.5 something else was running. */
  loadAtStart: number;
}

export interface BenchReport {
  environment: Environment;
  options: BenchOptions;
  rows: SummaryRow[];
  targets: TargetCheck[];
  runs: RunResult[];
  failures: Record<string, string[]>;
  method: string[];
}

/** File names of the figures beside the results file, by figure. */
type FigureFiles = Partial<Record<keyof Figures, string>>;

function markdown(report: BenchReport, figures: FigureFiles, figureError?: string): string {
  const { environment: env, options } = report;
  const lines = [
    `# Cask benchmark, ${env.date}${options.quick ? ' (--quick)' : ''}`,
    '',
    `${env.cpus}, ${env.memoryGb} GB; Node ${env.node}; RabbitMQ ${env.rabbitmq ?? '?'}, Redis ${env.redis ?? '?'}, PostgreSQL ${env.postgres ?? '?'}; ` +
      `load average ${env.loadAtStart.toFixed(2)} at start.`,
    `Backlog ${options.drainJobs.toLocaleString('en-US')} jobs; latency at ${options.rate} jobs/s offered for ${options.latencySeconds} s; ` +
      `${options.runs} run(s) per contender${options.runs > 1 ? ', median (min–max)' : ''}; worker concurrency ${options.concurrency}.`,
    '',
    markdownTable(report.rows),
    '',
  ];
  lines.push(RATIOS_NOTE, '');
  if (report.rows.some((r) => r.saturated)) lines.push(SATURATED_NOTE.replace(/^\*/, '\\*'), '');
  if (figures.drain) lines.push(`![Drain jobs/s per contender](${figures.drain})`, '');
  if (figures.latency) lines.push(`![Latency percentiles per contender](${figures.latency})`, '');
  if (figureError) lines.push(`Figures not drawn: ${figureError}`, '');
  lines.push(
    'CPU time per job while draining, from /proc (services are whole: anything else on the machine counts too). ' +
      'For HTTP rows the load generator (autocannon, in the bench process) is left out.',
    '',
    markdownCpuTable(report.rows),
    '',
  );
  if (report.targets.length > 0) {
    lines.push('Targets of issues 5 and 14:', '', '| Issue | Target | Measured | Met |', '| :-: | :-- | :-- | :-: |');
    for (const t of report.targets)
      lines.push(`| ${t.issues} | ${t.target} | ${t.measured} | ${t.met === undefined ? '?' : t.met ? 'yes' : 'no'} |`);
    lines.push('');
  }
  const failed = Object.entries(report.failures);
  if (failed.length > 0) {
    lines.push('Failed runs:', '');
    for (const [id, messages] of failed) for (const m of messages) lines.push(`- ${id}: ${m.split('\n')[0]}`);
    lines.push('');
  }
  lines.push('How each figure is measured:', '', ...report.method.map((m) => `- ${m}`), '');
  return lines.join('\n');
}

/**
 * Writes `<stamp>[-quick].json` (git-ignored), `.md` (kept) and the figures it links, `-drain.svg` and
 * `-latency.svg`, under bench/results/.
 */
export async function writeResults(dir: string, report: BenchReport): Promise<{ json: string; md: string; figures: string[] }> {
  mkdirSync(dir, { recursive: true });
  const stamp = report.environment.date.replace(/[:]/g, '').replace(/\..+$/, '').replace('T', '-');
  const base = join(dir, `${stamp}${report.options.quick ? '-quick' : ''}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const files: FigureFiles = {};
  let figureError: string | undefined;
  try {
    const figures = await renderFigures(report.rows, report.options);
    for (const [name, svg] of Object.entries(figures) as Array<[keyof Figures, string | undefined]>) {
      if (!svg) continue;
      writeFileSync(`${base}-${name}.svg`, svg);
      files[name] = basename(`${base}-${name}.svg`);
    }
  } catch (err) {
    // The figures are a view of the table: a failure to draw them costs the run nothing else.
    figureError = (err as Error).message;
  }
  writeFileSync(`${base}.md`, markdown(report, files, figureError));
  return { json: `${base}.json`, md: `${base}.md`, figures: Object.values(files).map((f) => join(dir, f)) };
}
