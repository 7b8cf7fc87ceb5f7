/** Everything a bench run is parameterised by; the same for every contender. */
export interface BenchOptions {
  quick: boolean;
  /** Jobs in the backlog each contender drains. */
  drainJobs: number;
  /** Jobs each contender runs first, unmeasured (JIT, connections, caches). */
  warmupJobs: number;
  /** Offered rate of the latency phase, jobs per second. */
  rate: number;
  /** Length of the latency phase. */
  latencySeconds: number;
  /** Runs per contender; the table shows the median and the range. */
  runs: number;
  /** Jobs a worker runs at once (BullMQ and graphile-worker concurrency, pg-boss batchSize, AMQP prefetch, Cask WORKER_CONCURRENCY). */
  concurrency: number;
  /** Dispatches a producer keeps unfinished at once while filling the backlog one by one. */
  inFlight: number;
  /** Jobs per call for the bulk producers (Cask dispatchMany and POST /jobs/batch, BullMQ addBulk, pg-boss insert, graphile-worker addJobs). */
  batchSize: number;
  /** Connections autocannon opens. */
  httpConnections: number;
  /** HTTP servers warm up under full load for this long (JIT), instead of `warmupJobs`. */
  httpWarmupSeconds: number;
  /** Contender ids to run (all when empty). */
  only: string[];
  /** Write CPU profiles of every Node process under bench/results/profiles/. */
  profile: boolean;
}

const USAGE = `Usage: npm run bench [-- options]
  --quick            2,000-job backlog, 5 s latency phase, 1 run (for development)
  --jobs=N           backlog size (default 50000; 2000 with --quick)
  --seconds=S        length of the latency phase (default 30; 5 with --quick)
  --rate=R           offered rate of the latency phase, jobs/s (default 1000)
  --runs=N           runs per contender (default 3; 1 with --quick)
  --concurrency=N    jobs a worker runs at once (default 50)
  --only=a,b         contenders to run: raw-amqp, cask-sqlite, cask-quorum, cask-postgres, cask-http, cask-http-postgres,
                     cask-http-postgres-limits, bare-http, bullmq,
                     bullmq-aof, bullmq-postgres, pg-boss, graphile-worker, nest-rmq
  --profile          write a CPU profile of every Node process to bench/results/profiles/<bench id>/ (slows them)`;

function intOption(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}\n${USAGE}`);
  return n;
}

export function parseBenchOptions(argv: readonly string[], contenderIds: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    quick,
    drainJobs: quick ? 2_000 : 50_000,
    warmupJobs: quick ? 500 : 2_000,
    rate: 1_000,
    latencySeconds: quick ? 5 : 30,
    runs: quick ? 1 : 3,
    concurrency: 50,
    inFlight: 200,
    batchSize: 500,
    httpConnections: 50,
    httpWarmupSeconds: quick ? 2 : 5,
    only: [],
    profile: argv.includes('--profile'),
  };
  for (const arg of argv) {
    if (arg === '--quick' || arg === '--profile') continue;
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const match = /^--([a-z]+)=(.+)$/.exec(arg);
    if (!match) throw new Error(`Unknown argument "${arg}"\n${USAGE}`);
    const [, name, value] = match;
    if (name === 'jobs') options.drainJobs = intOption(name, value, 1);
    else if (name === 'seconds') options.latencySeconds = intOption(name, value, 1);
    else if (name === 'rate') options.rate = intOption(name, value, 1);
    else if (name === 'runs') options.runs = intOption(name, value, 1);
    else if (name === 'concurrency') options.concurrency = intOption(name, value, 1);
    else if (name === 'only') {
      options.only = value.split(',').map((id) => id.trim());
      const unknown = options.only.filter((id) => !contenderIds.includes(id));
      if (unknown.length > 0) throw new Error(`Unknown contender(s) ${unknown.join(', ')}\n${USAGE}`);
    } else throw new Error(`Unknown option --${name}\n${USAGE}`);
  }
  return options;
}
