import { CONTENDERS, DURABLE_PEERS } from '../contender-registry';
import { drainRatio, likeWithLike, SummaryRow } from './summary';

/** One target of the issues, checked against this run. */
export interface TargetCheck {
  /** The issues that set it, e.g. "5, 14". */
  issues: string;
  target: string;
  measured: string;
  /** Undefined when this run cannot say: a contender it needs did not run, or the figure is not the one the issue bounds. */
  met: boolean | undefined;
}

type Rows = readonly SummaryRow[];

/** A target as the issue states it, and how one run's rows check it (a drain target checks each way of dispatching). */
interface Target {
  issues: readonly number[];
  check(rows: Rows): Array<Omit<TargetCheck, 'issues'>>;
}

const f = (n: number, digits = 2) => n.toFixed(digits);
const row = (rows: Rows, id: string) => rows.find((r) => r.id === id);

/** A row's title, also for a contender that did not run (its bulk row is `<id>-bulk`). */
function titleOf(rows: Rows, id: string): string {
  const ran = row(rows, id);
  if (ran) return ran.title;
  const bulk = id.endsWith('-bulk');
  const spec = CONTENDERS.find((c) => c.id === (bulk ? id.slice(0, -'-bulk'.length) : id));
  if (!spec) return id;
  return bulk ? `${spec.title}, ${spec.bulkApi ?? 'bulk dispatch'}` : spec.title;
}

function notRun(ids: readonly string[]): string {
  return `not measured: ${ids.join(', ')} did not run`;
}

/**
 * Drain jobs/s of each of `cask` (row ids: one by one, bulk) at least `floor` × that of every one of
 * `peers`, like with like (one by one against one by one, bulk against bulk).
 */
function drainAtLeast(issues: number[], cask: string[], floor: number, peers: readonly string[], peersName: string): Target {
  return {
    issues,
    check: (rows) =>
      cask.map((id) => {
        const target = `${titleOf(rows, id)}: drain ≥ ${f(floor, 1)}× ${peersName}`;
        if (!row(rows, id)?.drainJobsPerSecond) return { target, measured: notRun([id]), met: undefined };
        const measured: string[] = [];
        const missing: string[] = [];
        let allMet = true;
        for (const peer of peers) {
          const ratio = drainRatio(rows, id, peer);
          if (ratio === undefined) {
            missing.push(likeWithLike(id, peer));
            continue;
          }
          measured.push(peers.length > 1 ? `${f(ratio)}× ${likeWithLike(id, peer)}` : `${f(ratio)}×`);
          allMet &&= ratio >= floor;
        }
        if (measured.length === 0) return { target, measured: notRun(missing), met: undefined };
        if (missing.length > 0) measured.push(`${missing.join(', ')} did not run`);
        // A peer that did not run cannot make it met, but a measured miss is a miss.
        return { target, measured: measured.join('; '), met: !allMet ? false : missing.length > 0 ? undefined : true };
      }),
  };
}

/** p50 / p99 of each of `cask` at the fixed rate within a bound. */
function latency(issues: number[], cask: string[]): Target[] {
  return [
    {
      issues,
      check: (rows) =>
        cask.map((id) => {
          const target = `${titleOf(rows, id)}: p50 ≤ 5 ms`;
          const p50 = row(rows, id)?.p50;
          if (!p50) return { target, measured: notRun([id]), met: undefined };
          return { target, measured: `${f(p50.median, 1)} ms`, met: p50.median <= 5 };
        }),
    },
    {
      issues,
      check: (rows) =>
        cask.map((id) => {
          const target = `${titleOf(rows, id)}: p99 ≤ BullMQ's p99 at the fixed rate`;
          const own = row(rows, id)?.p99;
          const bullmq = row(rows, 'bullmq')?.p99;
          if (!own || !bullmq) return { target, measured: notRun([...(own ? [] : [id]), ...(bullmq ? [] : ['bullmq'])]), met: undefined };
          return { target, measured: `${f(own.median, 1)} ms vs ${f(bullmq.median, 1)} ms`, met: own.median <= bullmq.median };
        }),
    },
  ];
}

/**
 * POST /jobs against the bare endpoint on Express (the issues' reference) and on Fastify, the reference
 * api's platform since 2026-12-07: the second is like with like.
 */
const httpVersusBare: Target = {
  issues: [5, 14],
  check: (rows) =>
    [
      { id: 'bare-http', target: 'POST /jobs ≥ 0.5× the bare Nest endpoint (requests/s)' },
      { id: 'bare-fastify', target: 'POST /jobs ≥ 0.5× the bare Nest endpoint on Fastify, like with like (requests/s)' },
    ].map(({ id, target }) => {
      const http = row(rows, 'cask-http')?.http?.requestsPerSecond;
      const bare = row(rows, id)?.http?.requestsPerSecond;
      if (!http || !bare) return { target, measured: notRun([...(http ? [] : ['cask-http']), ...(bare ? [] : [id])]), met: undefined };
      const ratio = http.median / bare.median;
      return { target, measured: `${f(ratio)}× (${f(http.median, 0)} vs ${f(bare.median, 0)} req/s)`, met: ratio >= 0.5 };
    }),
};

/** Peak RSS per process; issue 5's bound is for a steady 1,000 jobs/s, which `npm run bench:soak` measures. */
const peakRss: Target = {
  issues: [5],
  check: (rows) =>
    ['cask-sqlite', 'cask-postgres', 'cask-http'].map((id) => {
      const target = `${titleOf(rows, id)}: peak RSS < 250 MB per process (the issue's bound is for a steady 1,000 jobs/s: npm run bench:soak)`;
      const peaks = Object.entries(row(rows, id)?.peakRssMb ?? {});
      if (peaks.length === 0) return { target, measured: notRun([id]), met: undefined };
      const worst = Math.max(...peaks.map(([, s]) => s.max));
      const measured = peaks.map(([role, s]) => `${role} ${f(s.max, 0)} MB`).join(', ');
      // In-process rows measure the api and the bench driver together: no verdict on the api from them.
      const withDriver = peaks.some(([role]) => role.includes('bench'));
      return withDriver
        ? { target, measured: `${measured} (api and bench driver in one process)`, met: undefined }
        : { target, measured, met: worst < 250 };
    }),
};

const SQLITE = ['cask-sqlite', 'cask-sqlite-bulk'];
const POSTGRES = ['cask-postgres', 'cask-postgres-bulk'];

/**
 * Every target one bench run can check, from issue 5 (Cask against BullMQ on a Redis that keeps nothing)
 * and issue 14 (durable with durable). A target whose contenders did not run (`--only`) shows as not
 * measured.
 */
export const TARGETS: readonly Target[] = [
  drainAtLeast([5, 14], SQLITE, 1.0, ['bullmq'], "BullMQ's (Redis keeping nothing)"),
  drainAtLeast([14], SQLITE, 1.5, DURABLE_PEERS, "every durable peer's"),
  drainAtLeast([5], POSTGRES, 0.8, ['bullmq'], "BullMQ's (Redis keeping nothing)"),
  drainAtLeast([14], POSTGRES, 1.0, ['bullmq-postgres'], "BullMQ's on PostgreSQL"),
  drainAtLeast([14], ['cask-http-bulk'], 1.0, ['bullmq'], "BullMQ's (Redis keeping nothing)"),
  ...latency([5, 14], ['cask-sqlite', 'cask-postgres']),
  httpVersusBare,
  peakRss,
];

/** The targets checked against one run's rows. */
export function checkTargets(rows: Rows): TargetCheck[] {
  return TARGETS.flatMap((t) => t.check(rows).map((check) => ({ issues: t.issues.join(', '), ...check })));
}
