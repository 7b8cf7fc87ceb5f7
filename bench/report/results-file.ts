import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../contender';
import type { BenchOptions } from '../support/bench-options';
import type { SummaryRow } from './summary';
import { markdownCpuTable, markdownTable, SATURATED_NOTE } from './table';
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

function markdown(report: BenchReport): string {
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
  if (report.rows.some((r) => r.saturated)) lines.push(SATURATED_NOTE.replace(/^\*/, '\\*'), '');
  lines.push(
    'CPU time per job while draining, from /proc (services are whole: anything else on the machine counts too). ' +
      'For HTTP rows the load generator (autocannon, in the bench process) is left out.',
    '',
    markdownCpuTable(report.rows),
    '',
  );
  if (report.targets.length > 0) {
    lines.push('Targets of issue 5:', '', '| Target | Measured | Met |', '| :-- | :-- | :-: |');
    for (const t of report.targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met === undefined ? '?' : t.met ? 'yes' : 'no'} |`);
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

/** Writes `<stamp>[-quick].json` (git-ignored) and `.md` (kept) under bench/results/. */
export function writeResults(dir: string, report: BenchReport): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.environment.date.replace(/[:]/g, '').replace(/\..+$/, '').replace('T', '-');
  const base = join(dir, `${stamp}${report.options.quick ? '-quick' : ''}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(report));
  return { json: `${base}.json`, md: `${base}.md` };
}
