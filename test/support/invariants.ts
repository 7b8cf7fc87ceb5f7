import { rawConnection } from './broker';
import type { CaskSystem, JobBody } from './cask-system';
import { waitFor } from './wait-for';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Every job the api lists, paging through `GET /jobs`. */
export async function listAllJobs(cask: CaskSystem): Promise<Array<{ job_id: string; status: string }>> {
  const all: Array<{ job_id: string; status: string }> = [];
  let cursor: string | null = null;
  do {
    const response = await fetch(`${cask.baseUrl}/jobs?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    const page = (await response.json()) as { items: Array<{ job_id: string; status: string }>; next_cursor: string | null };
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

/**
 * The invariants every fault scenario checks afterwards: nothing lost (every accepted job terminal),
 * one terminal transition per job and series, no phantom jobs. Returns the jobs.
 */
export async function expectInvariants(cask: CaskSystem, ids: readonly string[], timeoutMs = 120_000): Promise<JobBody[]> {
  const jobs = await cask.waitForTerminal(ids, timeoutMs);
  for (const job of jobs) {
    const series = Math.max(1, ...job.history.map((h) => h.series));
    const terminal = job.history.filter((h) => h.series === series && TERMINAL.has(h.status));
    if (terminal.length !== 1)
      throw new Error(`Job ${job.job_id} has ${terminal.length} terminal transitions: ${JSON.stringify(job.history)}`);
  }
  const listed = await listAllJobs(cask);
  const known = new Set([...ids, ...cask.dispatched]);
  const phantoms = listed.filter((job) => !known.has(job.job_id));
  if (phantoms.length > 0) throw new Error(`${phantoms.length} job(s) exist that no test dispatched`);
  return jobs;
}

/** Waits until RabbitMQ counts at least one consumer on each queue. */
export async function expectConsumers(queues: readonly string[], timeoutMs = 30_000): Promise<void> {
  const connection = await rawConnection();
  try {
    await waitFor(
      async () => {
        for (const queue of queues) {
          const channel = await connection.createChannel();
          // A queue not declared (yet) closes the channel with 404; that only means "not yet".
          channel.on('error', () => undefined);
          const { consumerCount } = await channel.checkQueue(queue);
          await channel.close();
          if (consumerCount < 1) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 200, what: `consumers on ${queues.join(', ')}` },
    );
  } finally {
    await connection.close();
  }
}

/** Messages sitting in a queue. */
export async function queueDepth(queue: string): Promise<number> {
  const connection = await rawConnection();
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

/** Most jobs whose runs (from `started_at` to `finished_at`, both ISO times) overlapped at any one moment. */
export function mostAtOnce(jobs: ReadonlyArray<{ started_at?: string | null; finished_at?: string | null }>): number {
  const edges = jobs.flatMap((job) => [
    { at: Date.parse(job.started_at as string), step: 1 },
    { at: Date.parse(job.finished_at as string), step: -1 },
  ]);
  if (edges.some((edge) => Number.isNaN(edge.at))) throw new Error('mostAtOnce: a job has not both started and finished');
  // A finish at the same millisecond as a start makes room first.
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (now += edge.step));
  return most;
}
