import BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResource, RunContext } from './contender';
import { parseBenchOptions } from './support/bench-options';
import { caskNamespaceResource, startCaskApi, startCaskWorker } from './support/cask-apps';
import { removeResource, sweepPrefix } from './support/cleanup';
import { sleep } from './support/clock';
import { SETUP_TIMEOUT_MS } from './support/deadlines';
import { checkServices, describeEnvironment } from './support/environment';
import { postJson } from './support/http-client';
import { pace } from './support/load';
import { percentile } from './support/stats';
import type { ManagedProcess } from './support/managed-process';
import { currentRssBytes } from './support/memory';

const ROOT = join(__dirname, '..', '..', '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const BODY = JSON.stringify({ type: 'demo.flaky', payload: { fail_times: 0 } });
/** How often RSS is read. */
const SAMPLE_MS = 10_000;
/** The bounds: at most this much growth after warm-up, and under this size. */
const MAX_GROWTH = 0.1;
const MAX_RSS_MB = 250;

interface Sample {
  second: number;
  apiMb: number;
  workerMb: number;
  accepted: number;
  succeeded: number;
}

const USAGE = `Usage: npm run bench:soak [-- --minutes=10 --warmup-minutes=1 --rate=1000]
Runs the built api and worker for a while at a fixed rate of POST /jobs and reports whether their RSS
stays flat (its last minute at most ${MAX_GROWTH * 100} % above its first minute after the warm-up) and under ${MAX_RSS_MB} MB.`;

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const value = Number(arg.split('=')[1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number\n${USAGE}`);
  return value;
}

const mb = (bytes: number | undefined) => (bytes ?? Number.NaN) / 1024 / 1024;
const median = (values: readonly number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/**
 * The memory half of issue 5: api and worker (the built apps, as users run them) under a steady
 * 1,000 POST /jobs per second for ten minutes, RSS read every ten seconds.
 */
async function main(): Promise<void> {
  if (process.argv.includes('--help')) return void console.log(USAGE);
  const minutes = option('minutes', 10);
  const warmupMinutes = option('warmup-minutes', 1);
  const rate = option('rate', 1000);
  await checkServices();
  const environment = await describeEnvironment();
  const prefix = `caskbench.${randomBytes(3).toString('hex')}.soak`;
  const resources: BenchResource[] = [];
  const ctx: RunContext = {
    options: parseBenchOptions([], []),
    prefix,
    track: (resource) => void resources.push(resource),
    trackPid: () => undefined,
    log: (message) => console.log(message),
  };
  let api: ManagedProcess | undefined;
  let worker: ManagedProcess | undefined;
  try {
    ctx.track(caskNamespaceResource(prefix));
    const dir = mkdtempSync(join(tmpdir(), 'cask-soak-'));
    ctx.track({ kind: 'directory', path: dir });
    const sqlitePath = join(dir, 'cask.db');
    const started = await startCaskApi(ctx, { CASK_NAMESPACE: prefix, SQLITE_PATH: sqlitePath }, SETUP_TIMEOUT_MS);
    api = started.api;
    worker = startCaskWorker(ctx, prefix);
    const store = new BetterSqlite3(sqlitePath, { readonly: true, fileMustExist: true });
    const succeeded = () => (store.prepare("select count(*) as n from jobs where status = 'succeeded'").get() as { n: number }).n;

    let accepted = 0;
    let refused = 0;
    const samples: Sample[] = [];
    const startedAt = Date.now();
    const sampler = setInterval(() => {
      const sample = {
        second: Math.round((Date.now() - startedAt) / 1000),
        apiMb: mb(currentRssBytes(api?.pid ?? 0)),
        workerMb: mb(currentRssBytes(worker?.pid ?? 0)),
        accepted,
        succeeded: succeeded(),
      };
      samples.push(sample);
      console.log(
        `${sample.second} s: api ${sample.apiMb.toFixed(0)} MB, worker ${sample.workerMb.toFixed(0)} MB, ${sample.accepted} accepted, ${sample.succeeded} succeeded`,
      );
      if (!api?.running || !worker?.running) console.error('A Cask process exited');
    }, SAMPLE_MS);
    console.log(`Soak: ${rate} POST /jobs per second for ${minutes} min (warm-up ${warmupMinutes} min), RSS every ${SAMPLE_MS / 1000} s`);
    const offered = await pace(rate, minutes * 60_000, () => {
      postJson(`${started.baseUrl}/jobs`, BODY).then(
        (response) => (response.status === 202 ? (accepted += 1) : (refused += 1)),
        () => (refused += 1),
      );
    });
    clearInterval(sampler);
    // Every accepted job must also have run: a soak that loses jobs proves nothing about memory.
    const deadline = Date.now() + 60_000;
    while (succeeded() < accepted && Date.now() < deadline) await sleep(200);
    const done = succeeded();
    store.close();

    const report = soakReport({ environment, minutes, warmupMinutes, rate, offered, accepted, refused, done, samples });
    console.log(`\n${report}`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${environment.date.replace(/[:]/g, '').replace(/\..+$/, '').replace('T', '-')}-soak.md`);
    writeFileSync(file, report);
    console.log(`Wrote ${file}`);
  } finally {
    await Promise.all([worker?.stop(), api?.stop()]);
    for (const resource of resources)
      await removeResource(resource).catch((err: Error) => console.error(`Could not remove ${resource.kind}: ${err.message}`));
    await sweepPrefix(prefix);
  }
}

interface SoakFigures {
  environment: Awaited<ReturnType<typeof describeEnvironment>>;
  minutes: number;
  warmupMinutes: number;
  rate: number;
  offered: number;
  accepted: number;
  refused: number;
  done: number;
  samples: Sample[];
}

function soakReport(f: SoakFigures): string {
  const env = f.environment;
  const afterWarmup = f.samples.filter((s) => s.second >= f.warmupMinutes * 60);
  const lines = [
    `# Cask soak, ${env.date}`,
    '',
    `${env.cpus}, ${env.memoryGb} GB; Node ${env.node}; RabbitMQ ${env.rabbitmq ?? '?'}; load average ${env.loadAtStart.toFixed(2)} at start.`,
    `${f.rate} POST /jobs per second for ${f.minutes} min (built api on SQLite, built worker with concurrency 50); ${f.offered} offered, ` +
      `${f.accepted} answered 202, ${f.refused} refused or failed, ${f.done} succeeded by the end.`,
    '',
    `Growth compares the median RSS of the last minute with that of the first minute after the ${f.warmupMinutes}-minute warm-up, so that ` +
      "one garbage collection's swing is not taken for a trend; the maximum is each process's highest sample after warm-up.",
    '',
    '| Process | First minute after warm-up MB (median) | Last minute MB (median) | Growth | Max after warm-up MB | Flat (≤ 10 %) | Under 250 MB |',
    '| :-- | --: | --: | --: | --: | :-: | :-: |',
  ];
  for (const [role, pick] of [
    ['api', (s: Sample) => s.apiMb],
    ['worker', (s: Sample) => s.workerMb],
  ] as const) {
    if (afterWarmup.length === 0) continue;
    const minute = Math.max(1, Math.round(60_000 / SAMPLE_MS));
    const first = median(afterWarmup.slice(0, minute).map(pick));
    const last = median(afterWarmup.slice(-minute).map(pick));
    const max = Math.max(...afterWarmup.map(pick));
    const growth = (last - first) / first;
    lines.push(
      `| ${role} | ${first.toFixed(0)} | ${last.toFixed(0)} | ${(growth * 100).toFixed(1)} % | ${max.toFixed(0)} | ${growth <= MAX_GROWTH ? 'yes' : 'no'} | ${max < MAX_RSS_MB ? 'yes' : 'no'} |`,
    );
  }
  lines.push('', 'Samples (s: api MB / worker MB, accepted, succeeded):', '', '```');
  for (const s of f.samples)
    lines.push(`${String(s.second).padStart(4)}: ${s.apiMb.toFixed(0)} / ${s.workerMb.toFixed(0)}, ${s.accepted}, ${s.succeeded}`);
  lines.push('```', '');
  return lines.join('\n');
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
