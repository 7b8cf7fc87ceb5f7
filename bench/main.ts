import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BenchResource, RunResult } from './contender';
import { CONTENDERS } from './contender-registry';
import { METHOD } from './method';
import { writeResults } from './report/results-file';
import { summarize } from './report/summary';
import { SATURATED_NOTE, textTable } from './report/table';
import { checkTargets } from './report/targets';
import { BenchOptions, parseBenchOptions } from './support/bench-options';
import { removeResource, sweepPrefix } from './support/cleanup';
import { describeEnvironment, checkServices } from './support/environment';
import { ManagedProcess } from './support/managed-process';
import { drainTimeoutMs, SETUP_TIMEOUT_MS } from './support/deadlines';

/** The repository root, from dist/bench/bench/main.js. */
const ROOT = join(__dirname, '..', '..', '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
/** Each run's whole output (git-ignored, as every *.log). */
const LOGS_DIR = join(RESULTS_DIR, 'logs');
/** The runner's own progress lines, always shown. */
const PROGRESS = /^(setup and warm-up|(bulk )?drain of \d+|latency at \d+\/s for \d+ s) done in /;
/** Other lines shown per run before the rest go to the log only. */
const SHOWN_LINES = 10;
/** One-minute load average above which the bench warns that the machine is not idle. */
const BUSY_LOAD = 0.7;
const BUILT_APPS = ['dist/apps/api/main.js', 'dist/apps/worker/main.js'];

let current: ManagedProcess | undefined;
let interrupted = false;

/** Runs one contender once in a runner process; removes what it created whatever the outcome. */
async function runOnce(id: string, run: number, prefix: string, options: BenchOptions): Promise<RunResult> {
  const runner = ManagedProcess.fork(`${id} #${run}`, join(__dirname, 'runner.js'), { ...process.env } as Record<string, string>, [
    id,
    String(run),
    prefix,
    JSON.stringify(options),
  ]);
  current = runner;
  const resources: BenchResource[] = [];
  const pids: number[] = [];
  const unsubscribe = runner.onMessage((message) => {
    if (message.type === 'resource') resources.push(message.resource as BenchResource);
    if (message.type === 'pid') pids.push(message.pid as number);
  });
  // Every line goes to the run's log; the terminal gets the progress lines and the first few others, so
  // a contender that warns per job (Cask's outbox relay under a large backlog does) cannot flood it.
  const logPath = join(LOGS_DIR, `${prefix}.log`);
  mkdirSync(LOGS_DIR, { recursive: true });
  const log = createWriteStream(logPath);
  let others = 0;
  const stopPrinting = runner.onLine((line) => {
    log.write(`${line}\n`);
    const progress = PROGRESS.test(line);
    if (!progress) others++;
    if (progress || others <= SHOWN_LINES) console.log(`  [${id} #${run}] ${line}`);
  });
  // Setup, both drains and the latency phase (whose backlog drains at the drain rate at worst), with room:
  // only a hung run gets here; a stalled one fails sooner, in the runner.
  const budget =
    SETUP_TIMEOUT_MS * 2 +
    drainTimeoutMs(options.drainJobs) * 2 +
    drainTimeoutMs(options.rate * options.latencySeconds) +
    options.latencySeconds * 1000;
  try {
    const outcome = await runner.waitForMessage((m) => m.type === 'result' || m.type === 'failed', budget, 'a result');
    if (outcome.type === 'failed') throw new Error(String(outcome.message));
    const result = outcome.result as RunResult;
    if (others > 0) result.notes.push(`${others} line(s) of other output, in ${logPath}`);
    return result;
  } finally {
    unsubscribe();
    stopPrinting();
    log.end();
    if (others > SHOWN_LINES) console.log(`  [${id} #${run}] … ${others - SHOWN_LINES} more line(s) in ${logPath}`);
    await runner.stop(30_000);
    current = undefined;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone, as it should be.
      }
    }
    for (const resource of resources) {
      await removeResource(resource).catch((err: Error) =>
        console.error(`  cleanup of ${JSON.stringify(resource)} failed: ${err.message}`),
      );
    }
  }
}

async function main(): Promise<void> {
  const options = parseBenchOptions(
    process.argv.slice(2),
    CONTENDERS.map((c) => c.id),
  );
  for (const entry of BUILT_APPS) {
    if (!existsSync(join(ROOT, entry))) throw new Error(`${entry} is missing: run \`npm run build\` first (\`npm run bench\` does).`);
  }
  await checkServices();
  const environment = await describeEnvironment();
  if (environment.loadAtStart > BUSY_LOAD) {
    console.warn(
      `The machine is busy (load average ${environment.loadAtStart.toFixed(2)}): other work will take CPU from the contenders and skew the figures.`,
    );
  }
  const specs = CONTENDERS.filter((c) => options.only.length === 0 || options.only.includes(c.id));
  const benchPrefix = `caskbench.${randomBytes(3).toString('hex')}`;
  // Inherited by every runner, which passes it on to its children as --cpu-prof flags.
  if (options.profile) process.env.BENCH_PROFILE_DIR = join(RESULTS_DIR, 'profiles', benchPrefix);
  console.log(
    `Cask bench ${benchPrefix}: ${specs.length} contender(s) × ${options.runs} run(s); backlog ${options.drainJobs}, ` +
      `${options.rate} jobs/s for ${options.latencySeconds} s, concurrency ${options.concurrency}`,
  );

  const results: RunResult[] = [];
  const failures = new Map<string, string[]>();
  try {
    // Runs interleave contenders, so a slow drift of the machine touches every contender alike.
    for (let run = 1; run <= options.runs && !interrupted; run++) {
      for (const spec of specs) {
        if (interrupted) break;
        console.log(`${spec.title}, run ${run} of ${options.runs}`);
        try {
          results.push(await runOnce(spec.id, run, `${benchPrefix}.${spec.id}.${run}`, options));
        } catch (err) {
          const message = (err as Error).message;
          console.error(`  ${spec.id} run ${run} failed: ${message}`);
          failures.set(spec.id, [...(failures.get(spec.id) ?? []), message]);
        }
      }
    }
  } finally {
    const leftovers = await sweepPrefix(benchPrefix).catch((err: Error) => [`sweep failed: ${err.message}`]);
    if (leftovers.length > 0) console.warn(`Removed leftovers: ${leftovers.join(', ')}`);
  }

  const rows = summarize(specs, results, failures, options.batchSize, options.rate);
  const targets = checkTargets(rows);
  console.log(`\n${textTable(rows)}\n`);
  if (rows.some((r) => r.saturated)) console.log(`${SATURATED_NOTE}\n`);
  for (const t of targets) console.log(`${t.met === undefined ? '?' : t.met ? '✓' : '✗'} (issue ${t.issues}) ${t.target}: ${t.measured}`);
  if (interrupted) {
    console.log('\nInterrupted: no results written.');
    process.exitCode = 130;
    return;
  }
  const files = await writeResults(RESULTS_DIR, {
    environment,
    options,
    rows,
    targets,
    runs: results,
    failures: Object.fromEntries(failures),
    method: METHOD(options),
  });
  // bench:compare reads this line for the two files it removes after each round.
  console.log(`\nWrote ${files.md} and ${files.json}`);
  if (files.figures.length > 0) console.log(`Figures: ${files.figures.join(', ')}`);
  if (failures.size > 0) process.exitCode = 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`${signal}: stopping the current run and cleaning up (again to quit at once)`);
    void current?.stop(30_000);
  });
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
