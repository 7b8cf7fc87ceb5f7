import { JobCatalogue, topologyFor } from '@cask/contracts';
import { JOB_DEFINITIONS } from '@cask/examples';
import { rateTokenQueue } from '@cask/core';
import { join } from 'node:path';
import type { BenchResource, RunContext } from '../contender';
import { sleep } from './clock';
import { ManagedProcess } from './managed-process';
import { freePort } from './ports';
import { BENCH_AMQP_URL } from './services';

/** The repository root, from dist/bench/bench/support. */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const ENTRY = {
  api: join(REPO_ROOT, 'dist/apps/api/main.js'),
  worker: join(REPO_ROOT, 'dist/apps/worker/main.js'),
};

/** Every queue and exchange a Cask namespace holds (delay queues, made only by retries, are left to the sweep). */
export function caskNamespaceResource(namespace: string): BenchResource {
  const topology = topologyFor(namespace);
  const catalogue = new JobCatalogue(JOB_DEFINITIONS);
  const queues = catalogue.queues();
  return {
    kind: 'amqp-queues',
    queues: [
      ...queues.map(topology.jobQueue),
      ...queues.map(topology.suspectQueue),
      ...queues.map(topology.rescueQueue),
      ...JOB_DEFINITIONS.filter((d) => d.rateLimitPerSecond !== undefined).map((d) => rateTokenQueue(topology, d.name)),
      topology.eventsQueue,
      topology.deadLetterQueue,
      topology.controlStream,
      topology.workersQueue,
    ],
    exchanges: [topology.jobsExchange, topology.eventsExchange, topology.deadLetterExchange],
  };
}

/** The built worker, quiet (LOG_LEVEL=warn), running `concurrency` jobs at once. */
export function startCaskWorker(ctx: RunContext, namespace: string, env: Record<string, string> = {}): ManagedProcess {
  const worker = ManagedProcess.spawnNode(
    'cask worker',
    ENTRY.worker,
    {
      AMQP_URL: BENCH_AMQP_URL,
      CASK_NAMESPACE: namespace,
      WORKER_CONCURRENCY: String(ctx.options.concurrency),
      WORKER_HEALTH_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    REPO_ROOT,
  );
  ctx.trackPid(worker.pid);
  return worker;
}

/**
 * The built api on a free port, quiet; resolves with its base URL once /health/ready answers 200. (With
 * LOG_LEVEL=warn the api does not log the port it bound, so the bench picks one rather than PORT=0.)
 */
export async function startCaskApi(
  ctx: RunContext,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ api: ManagedProcess; baseUrl: string }> {
  const port = await freePort();
  // The bench measures how fast Cask can go, so the per-tenant abuse limits are off (0).
  const limitsOff = { RATE_LIMIT_PER_SECOND: '0', DISPATCH_RATE_LIMIT_PER_SECOND: '0', MAX_QUEUED_JOBS_PER_TENANT: '0' };
  const api = ManagedProcess.spawnNode(
    'cask api',
    ENTRY.api,
    { AMQP_URL: BENCH_AMQP_URL, PORT: String(port), LOG_LEVEL: 'warn', ...limitsOff, ...env },
    REPO_ROOT,
  );
  ctx.trackPid(api.pid);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!api.running) throw new Error(`cask api exited during start. Output:\n${api.output()}`);
    const status = await fetch(`${baseUrl}/health/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { api, baseUrl };
    if (Date.now() > deadline)
      throw new Error(`cask api not ready within ${timeoutMs} ms (last status ${status}). Output:\n${api.output()}`);
    await sleep(100);
  }
}
