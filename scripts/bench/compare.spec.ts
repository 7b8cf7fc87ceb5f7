import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The bench has no jest project of its own: its pure parts are tested here, in the unit project.
import { benchArgv, DEFAULT_ONLY, parseCompareOptions } from '../../bench/support/compare-options';
import {
  compareRounds,
  markdownCompareTable,
  readingsOf,
  ResultsJson,
  RoundReading,
  textCompareTable,
  verdict,
} from '../../bench/support/compare-table';
import { linkNodeModules, lockfileDifferences, unlinkNodeModules } from '../../bench/support/compare-worktree';

const IDS = ['raw-amqp', 'cask-sqlite', 'cask-http', 'bare-http', 'bullmq'];
const MB = 1024 * 1024;

describe('bench:compare arguments', () => {
  it('default to the previous commit, 3 rounds and a small set of contenders', () => {
    const options = parseCompareOptions([], IDS);
    expect(options).toEqual({ base: 'HEAD~1', rounds: 3, only: [...DEFAULT_ONLY], benchArgs: [], npmCi: false });
    expect(options !== 'help' && benchArgv(options)).toEqual(['--quick', '--only=cask-sqlite,cask-http,bare-http', '--runs=1']);
  });

  it('take --base, --rounds, --only and --npm-ci, and pass the other bench options through', () => {
    const options = parseCompareOptions(['--base=v0.1.0', '--rounds=5', '--only=bare-http', '--jobs=500', '--quick', '--npm-ci'], IDS);
    expect(options).toEqual({ base: 'v0.1.0', rounds: 5, only: ['bare-http'], benchArgs: ['--jobs=500'], npmCi: true });
    expect(options !== 'help' && benchArgv(options)).toEqual(['--quick', '--only=bare-http', '--runs=1', '--jobs=500']);
  });

  it('refuse what the bench would refuse, and --runs, before anything is built', () => {
    expect(() => parseCompareOptions(['--rounds=0'], IDS)).toThrow(/--rounds must be an integer/);
    expect(() => parseCompareOptions(['--base='], IDS)).toThrow(/--base needs/);
    expect(() => parseCompareOptions(['--runs=3'], IDS)).toThrow(/use --rounds=3/);
    expect(() => parseCompareOptions(['--only=nope'], IDS)).toThrow(/Unknown contender\(s\) nope/);
    expect(() => parseCompareOptions(['--jobs=x'], IDS)).toThrow(/--jobs must be an integer/);
    expect(() => parseCompareOptions(['--frobnicate'], IDS)).toThrow(/Unknown argument "--frobnicate"/);
    expect(parseCompareOptions(['--rounds=2', '--help'], IDS)).toBe('help');
  });
});

/** A results file as the bench writes it, for one cask-sqlite run with a bulk drain and one bare-http run. */
function results(scale: number, load = 0.5): ResultsJson {
  return {
    environment: { loadAtStart: load },
    failures: {},
    runs: [
      {
        contender: 'cask-sqlite',
        run: 1,
        drain: { jobs: 2000, enqueueMs: 1000 / scale, totalMs: 2000 / scale },
        drainBulk: { jobs: 2000, enqueueMs: 250 / scale, totalMs: 1000 / scale },
        latency: {
          samples: 5000,
          p50: 4 / scale,
          p95: 8,
          p99: 20 / scale,
          max: 30,
          mean: 5,
          offered: 5000,
          completed: 5000,
          achievedRate: 1000,
        },
        peakRss: { 'api+bench': 200 * MB, worker: 100 * MB },
        notes: [],
      },
      {
        contender: 'bare-http',
        run: 1,
        drain: { jobs: 2000, enqueueMs: 200 / scale, totalMs: 200 / scale, noResults: true },
        peakRss: { app: 80 * MB },
        notes: [],
      },
    ],
  };
}

describe('bench:compare table', () => {
  it('reads the figures of each contender asked for, its bulk drain after it', () => {
    const reading = readingsOf(results(1), ['cask-sqlite', 'bare-http']);
    expect(reading.readings.map((r) => [r.contender, r.figure, r.better, Math.round(r.value)])).toEqual([
      ['cask-sqlite', 'drain jobs/s', 'higher', 1000],
      ['cask-sqlite', 'enqueue jobs/s', 'higher', 2000],
      ['cask-sqlite', 'p50 ms', 'lower', 4],
      ['cask-sqlite', 'p99 ms', 'lower', 20],
      ['cask-sqlite', 'peak RSS api+bench MB', 'lower', 200],
      ['cask-sqlite', 'peak RSS worker MB', 'lower', 100],
      ['cask-sqlite-bulk', 'drain jobs/s', 'higher', 2000],
      ['cask-sqlite-bulk', 'enqueue jobs/s', 'higher', 8000],
      // No results behind the bare endpoint: no drain rate, only the enqueue rate.
      ['bare-http', 'enqueue jobs/s', 'higher', 10000],
      ['bare-http', 'peak RSS app MB', 'lower', 80],
    ]);
    expect(reading.loadAtStart).toBe(0.5);
    expect(readingsOf(results(1), ['bare-http']).readings.every((r) => r.contender === 'bare-http')).toBe(true);
  });

  it('takes the median of each side over rounds and head/base, with the right way for each figure', () => {
    const base = [1, 1.02, 0.98].map((s) => readingsOf(results(s), ['cask-sqlite']));
    // Head: 20 % faster throughout, so latencies are 1/1.2 of the base's.
    const head = [1.2, 1.22, 1.18].map((s) => readingsOf(results(s), ['cask-sqlite']));
    const rows = compareRounds(base, head);
    const drain = rows.find((r) => r.contender === 'cask-sqlite' && r.figure === 'drain jobs/s');
    expect([drain?.base?.median, drain?.base?.min, drain?.base?.max].map((v) => Math.round(v ?? 0))).toEqual([1000, 980, 1020]);
    expect(drain?.head?.median).toBeCloseTo(1200);
    expect(drain?.ratio).toBeCloseTo(1.2);
    expect(drain?.verdict).toBe('better by 20.0 %');
    const p50 = rows.find((r) => r.figure === 'p50 ms');
    expect(p50?.ratio).toBeCloseTo(1 / 1.2);
    expect(p50?.verdict).toBe('better by 16.7 %');
    // Memory did not change.
    expect(rows.find((r) => r.figure === 'peak RSS worker MB')?.verdict).toBe('same');
    expect(rows.map((r) => r.contender)).toEqual([...Array(6).fill('cask-sqlite'), 'cask-sqlite-bulk', 'cask-sqlite-bulk']);
  });

  it('says worse when a figure moves the wrong way, and when the ranges of the rounds overlap', () => {
    expect(verdict(0.9, 'higher', { median: 10, min: 10, max: 10 }, { median: 9, min: 9, max: 9 })).toBe('worse by 10.0 %');
    expect(verdict(1.25, 'lower', { median: 4, min: 4, max: 4 }, { median: 5, min: 5, max: 5 })).toBe('worse by 25.0 %');
    expect(verdict(1.1, 'higher', { median: 10, min: 8, max: 12 }, { median: 11, min: 10, max: 12 })).toBe(
      'better by 10.0 % (ranges overlap)',
    );
    expect(verdict(1.1, 'higher', { median: 10, min: 9, max: 10.5 }, { median: 11, min: 11, max: 12 })).toBe('better by 10.0 %');
    expect(verdict(1.004, 'higher', { median: 10, min: 10, max: 10 }, { median: 10.04, min: 10.04, max: 10.04 })).toBe('same');
  });

  it('keeps a figure only one side has, and a contender that failed in a round', () => {
    const base: RoundReading[] = [{ readings: [{ contender: 'x', figure: 'p50 ms', better: 'lower', value: 2 }], failures: {} }];
    const head: RoundReading[] = [
      { readings: [{ contender: 'x', figure: 'drain jobs/s', better: 'higher', value: 5 }], failures: { x: ['timed out'] } },
    ];
    const rows = compareRounds(base, head);
    expect(rows.map((r) => [r.figure, r.verdict, r.ratio])).toEqual([
      ['drain jobs/s', 'not in base', undefined],
      ['p50 ms', 'not in head', undefined],
    ]);
  });

  it('prints one line per figure, in a terminal and in Markdown', () => {
    const rows = compareRounds([readingsOf(results(1), ['bare-http'])], [readingsOf(results(0.5), ['bare-http'])]);
    expect(textCompareTable(rows).split('\n')).toEqual([
      'Contender  Figure           Better    Base   Head  Head/base  Verdict',
      '---------  ---------------  ------  ------  -----  ---------  ---------------',
      'bare-http  enqueue jobs/s   higher  10,000  5,000     0.500×  worse by 50.0 %',
      'bare-http  peak RSS app MB  lower     80.0   80.0     1.000×  same',
    ]);
    expect(markdownCompareTable(rows).split('\n')[2]).toBe(
      '| bare-http | enqueue jobs/s | higher | 10,000 | 5,000 | 0.500× | worse by 50.0 % |',
    );
  });
});

describe('bench:compare worktree', () => {
  it("refuses only what the installed tree does not hold at the base's version", () => {
    const base = {
      packages: {
        '': { version: '0.1.0' },
        'node_modules/a': { version: '1.0.0' },
        'node_modules/b': { version: '2.0.0' },
        'node_modules/c': { version: '3.0.0' },
        'node_modules/c-darwin-arm64': { version: '3.0.0', optional: true },
        'node_modules/@cask/core': { link: true },
        'packages/core': { version: '0.1.0' },
      },
    };
    const installed = {
      packages: { 'node_modules/a': { version: '1.0.0' }, 'node_modules/b': { version: '2.1.0' }, 'node_modules/z': { version: '9.0.0' } },
    };
    expect(lockfileDifferences(base, installed)).toEqual(['b: 2.0.0 in the base, 2.1.0 installed', 'c 3.0.0: not installed']);
    expect(lockfileDifferences(base, base)).toEqual([]);
  });

  it("links the main checkout's packages and the worktree's own workspaces, and unlinks them without following", () => {
    const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'compare-spec-')));
    try {
      const main = join(tmp, 'main');
      const wt = join(tmp, 'wt');
      for (const dir of [
        'node_modules/dep',
        'node_modules/@cask/core',
        'node_modules/@cask/other',
        'node_modules/.bin',
        'node_modules/.cache',
      ]) {
        mkdirSync(join(main, dir), { recursive: true });
      }
      writeFileSync(join(main, 'node_modules/dep/index.js'), '');
      mkdirSync(join(wt, 'packages/core'), { recursive: true });
      mkdirSync(join(wt, 'libs/host'), { recursive: true });
      writeFileSync(join(wt, 'package.json'), JSON.stringify({ workspaces: ['packages/*', 'libs/*'] }));
      writeFileSync(join(wt, 'packages/core/package.json'), JSON.stringify({ name: '@cask/core' }));
      writeFileSync(join(wt, 'libs/host/package.json'), JSON.stringify({ name: '@cask/host' }));

      expect(linkNodeModules(main, wt).sort()).toEqual(['@cask/core', '@cask/host']);
      expect(readlinkSync(join(wt, 'node_modules/dep'))).toBe(join(main, 'node_modules/dep'));
      expect(readlinkSync(join(wt, 'node_modules/.bin'))).toBe(join(main, 'node_modules/.bin'));
      expect(lstatSync(join(wt, 'node_modules/@cask')).isSymbolicLink()).toBe(false);
      expect(readlinkSync(join(wt, 'node_modules/@cask/core'))).toBe('../../packages/core');
      expect(realpathSync(join(wt, 'node_modules/@cask/host'))).toBe(join(wt, 'libs/host'));
      // A package of the scope that is no workspace of the base still comes from the main checkout.
      expect(readlinkSync(join(wt, 'node_modules/@cask/other'))).toBe(join(main, 'node_modules/@cask/other'));
      expect(() => lstatSync(join(wt, 'node_modules/.cache'))).toThrow();

      unlinkNodeModules(wt);
      expect(() => lstatSync(join(wt, 'node_modules'))).toThrow();
      expect(lstatSync(join(main, 'node_modules/dep/index.js')).isFile()).toBe(true);
      expect(lstatSync(join(wt, 'packages/core/package.json')).isFile()).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
