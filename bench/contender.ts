import type { BenchOptions } from './support/bench-options';
import type { LatencySummary } from './support/stats';

/** Something the bench creates and must remove, even if the run that made it crashed. */
export type BenchResource =
  | { kind: 'amqp-queues'; queues: string[]; exchanges: string[] }
  | { kind: 'postgres-database'; name: string }
  | { kind: 'bullmq-queue'; name: string }
  | { kind: 'directory'; path: string };

/** How one run drained its backlog. */
export interface DrainResult {
  jobs: number;
  /** Dispatch of the first job to the last dispatch accepted, ms. */
  enqueueMs: number;
  /** Dispatch of the first job to the last result visible, ms. */
  totalMs: number;
  /** Nothing runs behind the dispatch (the bare HTTP endpoint): only the enqueue rate means anything. */
  noResults?: boolean;
}

/** What one run of one contender measured. */
export interface RunResult {
  contender: string;
  run: number;
  drain?: DrainResult;
  /** The same backlog through the contender's bulk dispatch, where it has one worth comparing. */
  drainBulk?: DrainResult;
  /** Dispatch to result visible at the fixed offered rate. */
  latency?: LatencySummary & { offered: number; completed: number; achievedRate: number };
  /** For HTTP contenders: requests/s autocannon got while draining, and its latency percentiles. */
  http?: { requestsPerSecond: number; non2xx: number; errors: number; p50: number; p99: number; connections: number };
  /** For Cask over HTTP: time from request to the 202 at the fixed rate. */
  acceptLatency?: LatencySummary;
  /** Peak RSS of each process, bytes, by role. */
  peakRss: Record<string, number>;
  /**
   * CPU used per job during the drain, ms, by process role and by local service (rabbitmq, redis,
   * postgres: whole services, so anything else running on the machine counts too).
   */
  drainCpuMsPerJob?: Record<string, number>;
  notes: string[];
}

/** What a contender gets to work with during one run. */
export interface RunContext {
  options: BenchOptions;
  /** Unique per run and contender; prefix of every name the run creates. */
  prefix: string;
  /** Declares a resource before creating it, so the orchestrator can remove it whatever happens. */
  track(resource: BenchResource): void;
  /** Declares a child process, so the orchestrator can kill it if the runner dies. */
  trackPid(pid: number): void;
  log(message: string): void;
}

/** One system under test. A runner process runs one contender once, through these steps in order. */
export interface Contender {
  /** Starts processes and connections, then runs the warm-up jobs. */
  setUp(): Promise<void>;
  /** Dispatches the backlog as fast as the contender takes it; resolves when every result is visible. */
  drain(jobs: number): Promise<DrainResult>;
  /** Optional second drain through a bulk dispatch API. */
  drainBulk?(jobs: number): Promise<DrainResult>;
  /** Offers `rate` jobs/s for `seconds`; resolves with the latencies, ms. */
  latency(rate: number, seconds: number): Promise<{ latencies: number[]; offered: number }>;
  /** Pids of the processes taking part (the runner's own as `process.pid`), by role. */
  processes(): Record<string, number>;
  /** Stops everything it started (resources are removed by the orchestrator). */
  tearDown(): Promise<void>;
  /** Extra figures for the result (HTTP throughput and the like). */
  extras?(): Partial<RunResult>;
}

export interface ContenderSpec {
  id: string;
  title: string;
  /** The bulk dispatch call its `drainBulk` uses, named in the table. */
  bulkApi?: string;
  /** A job system that keeps its jobs on disk, which Cask's durable rows are compared with (issue 14). */
  durablePeer?: boolean;
  /** Loads the contender's module (only the runner that runs it does) and returns its factory. */
  load(): Promise<(ctx: RunContext) => Contender>;
}
