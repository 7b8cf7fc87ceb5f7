import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CONTENDERS } from './contender-registry';
import { benchArgv, COMPARE_USAGE, CompareOptions, parseCompareOptions } from './support/compare-options';
import {
  compareRounds,
  CompareRow,
  markdownCompareTable,
  markdownRoundsTable,
  readingsOf,
  ResultsJson,
  RoundReading,
  textCompareTable,
} from './support/compare-table';
import { linkNodeModules, lockfileDifferences, unlinkNodeModules, workspaceNames } from './support/compare-worktree';

/** The repository root, from dist/bench/bench/compare.js. */
const ROOT = join(__dirname, '..', '..', '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const MAIN_JS = join('dist', 'bench', 'bench', 'main.js');

type Side = 'base' | 'head';

let current: { child: ChildProcess; group: boolean } | undefined;
let interrupted = false;
let worktree: string | undefined;
let tempDir: string | undefined;

class Interrupted extends Error {
  constructor() {
    super('Interrupted');
  }
}

function git(args: string[], cwd = ROOT): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * The environment of every child: npm's own variables left out, so an npm run in the worktree takes the
 * worktree as its project (npm_config_local_prefix would point it at the main checkout).
 */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|config_local_prefix$|config_call$|command$)/.test(key) || key === 'INIT_CWD') delete env[key];
  }
  return env;
}

/**
 * Runs a command in its own process group, each output line shown with a tag; resolves with its exit code.
 * Ctrl-C reaches only this process, which passes it on once (see the signal handlers).
 */
function run(tag: string, command: string, args: string[], cwd: string, group: boolean, onLine?: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    current = { child, group };
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        console.log(`  [${tag}] ${line}`);
        onLine?.(line);
      });
    }
    child.on('error', (err) => {
      current = undefined;
      reject(err);
    });
    child.on('close', (code, signal) => {
      current = undefined;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function removeWorktree(): void {
  if (worktree) {
    const dir = worktree;
    worktree = undefined;
    try {
      unlinkNodeModules(dir);
      git(['worktree', 'remove', '--force', dir]);
    } catch (err) {
      console.error(`Removing the worktree ${dir} failed: ${(err as Error).message}; trying \`git worktree prune\``);
      rmSync(dir, { recursive: true, force: true });
      try {
        git(['worktree', 'prune']);
      } catch {
        // Reported above; `git worktree list` shows what is left.
      }
    }
  }
  if (tempDir) {
    rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  }
}

/** Refuses a base whose lockfile pins other versions than node_modules holds, unless --npm-ci installs its own. */
function checkDependencies(baseSha: string, options: CompareOptions): boolean {
  const baseLock = JSON.parse(git(['show', `${baseSha}:package-lock.json`])) as object;
  // npm's hidden lockfile says what is installed; package-lock.json what should be.
  const hidden = join(ROOT, 'node_modules', '.package-lock.json');
  const installed = JSON.parse(readFileSync(existsSync(hidden) ? hidden : join(ROOT, 'package-lock.json'), 'utf8')) as object;
  const differences = lockfileDifferences(baseLock, installed);
  if (differences.length === 0) return false;
  const list = differences.slice(0, 15).map((d) => `  ${d}`);
  if (differences.length > 15) list.push(`  … and ${differences.length - 15} more`);
  if (!options.npmCi) {
    throw new Error(
      `The base's package-lock.json pins ${differences.length} package(s) node_modules does not hold:\n${list.join('\n')}\n` +
        'Its worktree cannot reuse this node_modules. Pass --npm-ci to install its own there (slow, uses the registry).',
    );
  }
  console.log(`The base pins ${differences.length} package(s) node_modules does not hold: \`npm ci\` in its worktree.\n${list.join('\n')}`);
  return true;
}

/** The base's built apps must load the base's packages, never the main checkout's. */
function checkBaseResolution(dir: string): void {
  const realDir = realpathSync(dir);
  for (const name of workspaceNames(dir)) {
    const from = join(dir, 'dist', 'apps', 'api');
    let resolved: string;
    try {
      resolved = realpathSync(require.resolve(name, { paths: [from] }));
    } catch (err) {
      throw new Error(`The base's api cannot load ${name}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    if (!resolved.startsWith(`${realDir}/`)) throw new Error(`The base's api would load ${name} from ${resolved}, outside its worktree`);
  }
}

function resultsFiles(dir: string): Set<string> {
  return existsSync(dir) ? new Set(readdirSync(dir).filter((f) => f.endsWith('-quick.json'))) : new Set();
}

/** One quick bench run of one side; its results files are read, then removed (kept: logs of a failed run). */
async function runRound(side: Side, round: number, root: string, options: CompareOptions): Promise<RoundReading> {
  const resultsDir = join(root, 'bench', 'results');
  const before = resultsFiles(resultsDir);
  let prefix: string | undefined;
  let wrote: { md: string; json: string } | undefined;
  let figures: string[] = [];
  const code = await run(`${side} ${round}`, process.execPath, [join(root, MAIN_JS), ...benchArgv(options)], root, false, (line) => {
    const started = /^Cask bench (caskbench\.[0-9a-f]+):/.exec(line);
    if (started) prefix = started[1];
    const files = /^Wrote (\S+\.md) and (\S+\.json)$/.exec(line);
    if (files) wrote = { md: files[1], json: files[2] };
    const drawn = /^Figures: (.+)$/.exec(line);
    if (drawn) figures = drawn[1].split(', ');
  });
  if (interrupted) throw new Interrupted();
  if (!wrote) {
    // An older bench may say it differently: the one new results file in its folder.
    const added = [...resultsFiles(resultsDir)].filter((f) => !before.has(f));
    if (added.length === 1) wrote = { json: join(resultsDir, added[0]), md: join(resultsDir, added[0].replace(/\.json$/, '.md')) };
  }
  if (!wrote) throw new Error(`The ${side} run of round ${round} wrote no results (exit code ${code}): see its output above.`);
  const reading = readingsOf(JSON.parse(readFileSync(wrote.json, 'utf8')) as ResultsJson, options.only);
  rmSync(wrote.json, { force: true });
  rmSync(wrote.md, { force: true });
  for (const figure of figures) rmSync(figure, { force: true });
  const failed = Object.keys(reading.failures).length > 0 || code !== 0;
  if (prefix) keepOrRemoveRunFiles(side, resultsDir, prefix, failed);
  return reading;
}

/**
 * A run's logs (and CPU profiles) go with its results: removed, unless the run failed or profiles were asked
 * for; the base's are copied out of its worktree before it goes.
 */
function keepOrRemoveRunFiles(side: Side, resultsDir: string, prefix: string, failed: boolean): void {
  const logsDir = join(resultsDir, 'logs');
  const logs = existsSync(logsDir) ? readdirSync(logsDir).filter((f) => f.startsWith(`${prefix}.`)) : [];
  for (const log of logs) {
    if (!failed) rmSync(join(logsDir, log), { force: true });
    else if (side === 'base') {
      mkdirSync(join(RESULTS_DIR, 'logs'), { recursive: true });
      cpSync(join(logsDir, log), join(RESULTS_DIR, 'logs', `base-${log}`));
      console.log(`  [${side}] kept ${join(RESULTS_DIR, 'logs', `base-${log}`)}`);
    } else console.log(`  [${side}] kept ${join(logsDir, log)}`);
  }
  const profiles = join(resultsDir, 'profiles', prefix);
  if (side === 'base' && existsSync(profiles)) {
    cpSync(profiles, join(RESULTS_DIR, 'profiles', `base-${prefix}`), { recursive: true });
    console.log(`  [${side}] profiles in ${join(RESULTS_DIR, 'profiles', `base-${prefix}`)}`);
  }
}

function stampOf(date: Date): string {
  return date.toISOString().replace(/[:]/g, '').replace(/\..+$/, '').replace('T', '-');
}

interface Sitting {
  started: Date;
  options: CompareOptions;
  baseLabel: string;
  headLabel: string;
  base: RoundReading[];
  head: RoundReading[];
  rows: CompareRow[];
}

function failureLines(sitting: Sitting): string[] {
  const lines: string[] = [];
  for (const [side, rounds] of [
    ['base', sitting.base],
    ['head', sitting.head],
  ] as const) {
    rounds.forEach((r, i) => {
      for (const [id, messages] of Object.entries(r.failures))
        for (const m of messages) lines.push(`${side} round ${i + 1}, ${id}: ${m.split('\n')[0]}`);
    });
  }
  return lines;
}

function markdown(sitting: Sitting): string {
  const { options } = sitting;
  const loads = (rounds: RoundReading[]) => rounds.map((r) => r.loadAtStart?.toFixed(2) ?? '?').join(', ');
  const lines = [
    `# Bench compare, ${sitting.started.toISOString()}`,
    '',
    `Head: ${sitting.headLabel}. Base: ${sitting.baseLabel}.`,
    `\`--quick\` runs of ${options.only.join(', ')}${options.benchArgs.length > 0 ? ` with ${options.benchArgs.join(' ')}` : ''}, ` +
      `${options.rounds} round(s) of each side interleaved (base, head, base, head…) in one sitting; median (min–max) over rounds. ` +
      `Head/base is head's median over base's; "Better" says which way the figure improves.`,
    `Load average at the start of each run: base ${loads(sitting.base)}; head ${loads(sitting.head)}.`,
    '',
    markdownCompareTable(sitting.rows),
    '',
  ];
  const failures = failureLines(sitting);
  if (failures.length > 0) lines.push('Failed runs:', '', ...failures.map((f) => `- ${f}`), '');
  lines.push('Every round:', '', markdownRoundsTable(sitting.rows), '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const parsed = parseCompareOptions(
    process.argv.slice(2),
    CONTENDERS.map((c) => c.id),
  );
  if (parsed === 'help') {
    console.log(COMPARE_USAGE);
    return;
  }
  const options = parsed;
  if (!existsSync(join(ROOT, MAIN_JS)))
    throw new Error(`${MAIN_JS} is missing: run \`npm run bench:build\` first (\`npm run bench:compare\` does).`);
  let baseSha: string;
  try {
    baseSha = git(['rev-parse', '--verify', '--quiet', `${options.base}^{commit}`]);
  } catch {
    throw new Error(`--base=${options.base} is not a commit of this repository`);
  }
  const baseShort = git(['rev-parse', '--short', baseSha]);
  const headShort = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
  const started = new Date();
  const sitting: Sitting = {
    started,
    options,
    baseLabel: `${options.base} = ${baseShort} (${git(['log', '-1', '--format=%s', baseSha]).slice(0, 100)})`,
    headLabel: `the working tree at ${headShort}${dirty ? ' with uncommitted changes' : ''}, as \`npm run bench:build\` built it`,
    base: [],
    head: [],
    rows: [],
  };
  const npmCi = checkDependencies(baseSha, options);

  tempDir = mkdtempSync(join(tmpdir(), 'cask-bench-compare-'));
  const dir = join(tempDir, `base-${baseShort}`);
  console.log(`Base ${sitting.baseLabel}: worktree in ${dir}`);
  // Set first: a worktree add cut short is pruned as well.
  worktree = dir;
  git(['worktree', 'add', '--detach', dir, baseSha]);
  if (npmCi) {
    if ((await run('base npm ci', 'npm', ['ci'], dir, true)) !== 0) throw new Error('`npm ci` in the base worktree failed');
  } else {
    const linked = linkNodeModules(ROOT, dir);
    console.log(`  node_modules: the main checkout's, with ${linked.join(', ')} linked to the worktree's own`);
  }
  if (interrupted) throw new Interrupted();
  const basePkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  if (!basePkg.scripts?.['bench:build']) throw new Error(`The base has no bench:build script: it predates the bench`);
  console.log('Building the base (npm run bench:build in its worktree)');
  const buildStart = Date.now();
  const built = await run('base build', 'npm', ['run', '-s', 'bench:build'], dir, true);
  if (interrupted) throw new Interrupted();
  if (built !== 0) throw new Error(`Building the base failed (exit code ${built}): see its output above`);
  checkBaseResolution(dir);
  console.log(`  built in ${((Date.now() - buildStart) / 1000).toFixed(0)} s; its apps load the worktree's own packages`);

  for (let round = 1; round <= options.rounds; round++) {
    for (const side of ['base', 'head'] as const) {
      console.log(`Round ${round} of ${options.rounds}: ${side}`);
      sitting[side].push(await runRound(side, round, side === 'base' ? dir : ROOT, options));
    }
  }
  removeWorktree();

  sitting.rows = compareRounds(sitting.base, sitting.head);
  console.log(`\nHead: ${sitting.headLabel}\nBase: ${sitting.baseLabel}\n${options.rounds} round(s) each, median (min–max)\n`);
  console.log(textCompareTable(sitting.rows));
  const failures = failureLines(sitting);
  if (failures.length > 0) console.log(`\nFailed runs:\n${failures.map((f) => `  ${f}`).join('\n')}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${stampOf(started)}-compare-${baseShort}.md`);
  writeFileSync(file, markdown(sitting));
  console.log(`\nWrote ${file}`);
  if (failures.length > 0) process.exitCode = 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    const again = interrupted;
    interrupted = true;
    console.error(
      again
        ? `${signal} again: stopping at once`
        : `${signal}: stopping the current run (it cleans up), then removing the worktree (again to hurry)`,
    );
    // Children run in process groups of their own, so the terminal's Ctrl-C reaches them only through here,
    // once: the bench cleans up on the first signal and quits at once on the second.
    const pid = current?.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(current?.group ? -pid : pid, signal);
    } catch {
      // Already gone.
    }
  });
}
// Whatever ends the process, the worktree goes with it.
process.on('exit', removeWorktree);

main()
  .catch((err: Error) => {
    console.error(err instanceof Interrupted ? 'Interrupted: no comparison written.' : err.message);
    process.exitCode = err instanceof Interrupted ? 130 : 1;
  })
  .finally(removeWorktree);
