import type { BenchResource, RunContext, RunResult } from './contender';
import { CONTENDERS } from './contender-registry';
import type { BenchOptions } from './support/bench-options';
import { tellParent } from './support/child-side';
import { cpuMeter } from './support/cpu';
import { SETUP_TIMEOUT_MS } from './support/deadlines';
import { peakRssBytes } from './support/memory';
import { summarizeLatencies } from './support/stats';

/**
 * One run of one contender, in a process of its own (so its peak RSS is its own): forked by main.ts
 * with <contender id> <run number> <prefix> <options as JSON>; reports its resources, child pids and
 * finally its result over IPC.
 */
async function main(): Promise<void> {
  const [id, runText, prefix, optionsJson] = process.argv.slice(2);
  const options = JSON.parse(optionsJson) as BenchOptions;
  const spec = CONTENDERS.find((c) => c.id === id);
  if (!spec) throw new Error(`Unknown contender ${id}`);
  const run = Number(runText);
  const notes: string[] = [];
  const ctx: RunContext = {
    options,
    prefix,
    track: (resource: BenchResource) => tellParent({ type: 'resource', resource }),
    trackPid: (pid: number) => tellParent({ type: 'pid', pid }),
    log: (message: string) => {
      notes.push(message);
      console.log(message);
    },
  };
  const contender = (await spec.load())(ctx);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    contender.tearDown().finally(() => process.exit(130));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);

  try {
    const phase = async <T>(name: string, task: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      const value = await task();
      console.log(`${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return value;
    };
    await phase('setup and warm-up', () => withTimeout(contender.setUp(), SETUP_TIMEOUT_MS + 60_000, 'setup'));
    const meter = cpuMeter(contender.processes());
    const drain = await phase(`drain of ${options.drainJobs}`, () => contender.drain(options.drainJobs));
    const drainCpu = meter();
    const bulk = contender.drainBulk?.bind(contender);
    const drainBulk = bulk ? await phase(`bulk drain of ${options.drainJobs}`, () => bulk(options.drainJobs)) : undefined;
    const latencyStart = Date.now();
    const measured = await phase(`latency at ${options.rate}/s for ${options.latencySeconds} s`, () =>
      contender.latency(options.rate, options.latencySeconds),
    );
    // Jobs offered over the time until the last result was visible: below the offered rate, the phase
    // ended with a queue behind it and its latencies grew throughout.
    const achievedRate = (measured.offered * 1000) / (Date.now() - latencyStart);
    const result: RunResult = {
      contender: id,
      run,
      drain,
      drainBulk,
      latency: { ...summarizeLatencies(measured.latencies), offered: measured.offered, completed: measured.latencies.length, achievedRate },
      peakRss: Object.fromEntries(Object.entries(contender.processes()).map(([role, pid]) => [role, peakRssBytes(pid) ?? Number.NaN])),
      drainCpuMsPerJob: Object.fromEntries(Object.entries(drainCpu).map(([role, ms]) => [role, ms / drain.jobs])),
      notes,
      ...contender.extras?.(),
    };
    await tellParent({ type: 'result', result });
  } finally {
    await contender.tearDown();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

main().then(
  () => process.exit(0),
  async (err: Error) => {
    console.error(err.stack ?? err.message);
    await tellParent({ type: 'failed', message: err.message });
    process.exit(1);
  },
);
