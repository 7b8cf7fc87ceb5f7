import { parseBenchOptions } from './bench-options';

/** What `npm run bench:compare` is parameterised by. */
export interface CompareOptions {
  /** The git revision the working tree is measured against. */
  base: string;
  /** Quick runs of each side, interleaved: base, head, base, head… */
  rounds: number;
  /** Contenders every run runs. */
  only: string[];
  /** Other bench arguments, passed to every run as they are. */
  benchArgs: string[];
  /** Install the base's own dependencies with `npm ci` in its worktree when they differ from the installed ones. */
  npmCi: boolean;
}

export const DEFAULT_BASE = 'HEAD~1';
export const DEFAULT_ROUNDS = 3;
export const DEFAULT_ONLY: readonly string[] = ['cask-sqlite', 'cask-http', 'bare-http'];

export const COMPARE_USAGE = `Usage: npm run bench:compare [-- options]
  Builds the working tree and a base revision (in a temporary git worktree), then alternates quick bench
  runs of each (base, head, base, head…) and prints, per contender and figure, both medians and head/base.
  --base=REV         git revision to compare against (default ${DEFAULT_BASE})
  --rounds=N         quick runs of each side (default ${DEFAULT_ROUNDS})
  --only=a,b         contenders (default ${DEFAULT_ONLY.join(',')})
  --npm-ci           when the base's package-lock.json pins other versions than node_modules holds,
                     run \`npm ci\` in its worktree instead of refusing (slow, uses the registry)
  other options      passed to every bench run: --jobs=N, --seconds=S, --rate=R, --concurrency=N, --profile
                     (every run is --quick --runs=1; use --rounds for more runs)`;

/** Parses the arguments after `--`; 'help' for --help. Bench arguments are checked as the bench checks them. */
export function parseCompareOptions(argv: readonly string[], contenderIds: readonly string[]): CompareOptions | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const options: CompareOptions = { base: DEFAULT_BASE, rounds: DEFAULT_ROUNDS, only: [...DEFAULT_ONLY], benchArgs: [], npmCi: false };
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    const [name, value] = match ? [match[1], match[2]] : [arg.replace(/^--/, ''), undefined];
    if (name === 'base' && value !== undefined) {
      if (value.trim() === '') throw new Error(`--base needs a git revision\n${COMPARE_USAGE}`);
      options.base = value.trim();
    } else if (name === 'rounds' && value !== undefined) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--rounds must be an integer of at least 1\n${COMPARE_USAGE}`);
      options.rounds = n;
    } else if (name === 'only' && value !== undefined) {
      options.only = value
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      if (options.only.length === 0) throw new Error(`--only needs at least one contender\n${COMPARE_USAGE}`);
    } else if (arg === '--npm-ci') options.npmCi = true;
    else if (name === 'runs')
      throw new Error(`Every run of bench:compare is one run (--runs=1): use --rounds=${value ?? 'N'}\n${COMPARE_USAGE}`);
    else if (arg === '--quick') continue;
    else options.benchArgs.push(arg);
  }
  // The bench's own parser names unknown contenders and options before anything is built.
  try {
    parseBenchOptions(benchArgv(options), contenderIds);
  } catch (err) {
    throw new Error(`${(err as Error).message.split('\n')[0]}\n${COMPARE_USAGE}`, { cause: err });
  }
  return options;
}

/** The arguments of every quick bench run. */
export function benchArgv(options: CompareOptions): string[] {
  return ['--quick', `--only=${options.only.join(',')}`, '--runs=1', ...options.benchArgs];
}
