import { AppProcess, CaskSystem, startWorker, waitFor } from '@cask/testing';

/** A worker as `GET /workers` lists it. */
interface WorkerItem {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  concurrency: number;
  in_flight: number;
  started_at: string;
  last_seen: string;
}

async function listWorkers(cask: CaskSystem): Promise<WorkerItem[]> {
  const response = await fetch(`${cask.baseUrl}/workers`);
  if (response.status !== 200) throw new Error(`GET /workers answered ${response.status}`);
  return ((await response.json()) as { items: WorkerItem[] }).items;
}

const ids = (workers: WorkerItem[]) => workers.map((worker) => worker.id).sort();

/** Workers send heartbeats; GET /workers lists the live ones and forgets those that stop. */
describe('worker pool: GET /workers', () => {
  describe('with a long timeout', () => {
    // A minute: a worker that leaves the list within seconds left because it said goodbye.
    const cask = new CaskSystem('pool-workers', { WORKER_HEARTBEAT_MS: '500' });
    let second: AppProcess | undefined;

    beforeAll(async () => {
      await cask.startApi({ WORKERS_TIMEOUT_MS: '60000' });
      await cask.startWorker({ WORKER_ID: 'all-queues', WORKER_CONCURRENCY: '7' });
      second = await startWorker({ ...cask.commonEnv, WORKER_ID: 'video-only', WORKER_QUEUES: 'video', WORKER_CONCURRENCY: '3' });
    });

    afterAll(async () => {
      await second?.stop('SIGKILL');
      await cask.stop();
    });

    it('lists both workers with what they consume and how busy they are', async () => {
      const workers = await waitFor(
        async () => {
          const listed = await listWorkers(cask);
          return listed.length === 2 && listed;
        },
        { what: 'two workers in GET /workers' },
      );

      expect(workers).toEqual([
        {
          id: 'all-queues',
          host: expect.any(String),
          pid: cask.worker?.pid,
          queues: ['default', 'video', 'webhooks'],
          concurrency: 7,
          in_flight: 0,
          started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          last_seen: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
        expect.objectContaining({ id: 'video-only', pid: second?.pid, queues: ['video'], concurrency: 3, in_flight: 0 }),
      ]);
      for (const worker of workers) expect(Date.parse(worker.last_seen)).toBeGreaterThanOrEqual(Date.parse(worker.started_at));
    });

    it('shows the jobs a worker is running', async () => {
      const id = await cask.dispatch('demo.fault', { mode: 'sleep', ms: 3000 });
      await waitFor(async () => (await listWorkers(cask)).find((worker) => worker.id === 'all-queues')?.in_flight === 1, {
        what: 'in_flight 1 on the worker running the job',
      });
      await cask.waitForTerminal([id]);
    });

    it('drops a worker stopped with SIGTERM at once: it says goodbye', async () => {
      const stoppedAt = Date.now();
      expect(await second?.stop('SIGTERM')).toBe(0);

      await waitFor(async () => ids(await listWorkers(cask)).join() === 'all-queues', {
        timeoutMs: 5000,
        what: 'only all-queues in GET /workers',
      });
      // Far sooner than the 60 s timeout.
      expect(Date.now() - stoppedAt).toBeLessThan(5000);
      expect(second?.output.join('\n')).toContain('Worker video-only said goodbye');
    });
  });

  describe('with a 2 s timeout', () => {
    const cask = new CaskSystem('pool-silent', { WORKER_HEARTBEAT_MS: '500' });

    beforeAll(async () => {
      await cask.startApi({ WORKERS_TIMEOUT_MS: '2000' });
      await cask.startWorker({ WORKER_ID: 'doomed' });
    });

    afterAll(() => cask.stop());

    it('keeps listing a killed worker until it has been silent for the timeout, then drops it', async () => {
      await waitFor(async () => ids(await listWorkers(cask)).join() === 'doomed', { what: 'the worker in GET /workers' });

      await cask.worker?.stop('SIGKILL');
      const killedAt = Date.now();
      expect(ids(await listWorkers(cask))).toEqual(['doomed']);

      await waitFor(async () => (await listWorkers(cask)).length === 0, { timeoutMs: 10_000, what: 'the killed worker to drop out' });
      // Its last heartbeat was at most 500 ms before the kill, so it stayed listed for at least 1.5 s.
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1400);
    });
  });
});
