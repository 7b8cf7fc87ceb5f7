import { CaskSystem, createTestDatabase, expectInvariants, inParallel, waitFor } from '@cask/testing';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The local PostgreSQL cluster's version (`/etc/postgresql/<version>`), for pg_ctlcluster. */
const CLUSTER = readdirSync('/etc/postgresql')[0];

function pgctl(action: 'stop' | 'start' | 'restart'): Promise<unknown> {
  return run('pg_ctlcluster', ['--skip-systemctl-redirect', CLUSTER, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])]);
}

async function postgresAnswers(): Promise<boolean> {
  return run('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432']).then(
    () => true,
    () => false,
  );
}

/**
 * Scenario 14: PostgreSQL restarted (as a failover or maintenance restart does) while jobs flow, and stopped
 * while a dispatch is in flight: the api survives, answers 503 while the store is away, says so in readiness,
 * reconnects by itself, and every accepted job reaches a terminal status.
 */
describe('fault: PostgreSQL restarted under load', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let cask: CaskSystem;

  beforeAll(async () => {
    database = await createTestDatabase();
    cask = new CaskSystem('pgrestart');
    await cask.startApi({ DATABASE_URL: database.url });
    await cask.startWorker({ WORKER_CONCURRENCY: '20' });
  });

  afterAll(async () => {
    // Never leave the shared database stopped, whatever happened above.
    if (!(await postgresAnswers())) await pgctl('start').catch(() => undefined);
    await cask.stop();
    await database.drop();
  });

  it('keeps the api running through a restart under load, with every accepted job terminal', async () => {
    const pid = cask.api?.pid;
    const accepted: string[] = [];
    const refused: number[] = [];
    let flowing = true;
    // Dispatches keep coming throughout: some land before, some during, some after the restart. Each client
    // retries a refused dispatch with its Idempotency-Key, as a client should: a commit cut off in flight
    // (answered 503 though it landed) then becomes the same job, never a second one.
    const load = inParallel(Array.from({ length: 8 }), 8, async () => {
      while (flowing) {
        const key = randomUUID();
        for (;;) {
          const response = await cask.post(
            '/jobs',
            { type: 'email.welcome', payload: { email: 'pg@example.com', name: 'Restart' } },
            { 'idempotency-key': key },
          );
          if (response.status === 202) {
            accepted.push(response.body.job_id as string);
            break;
          }
          refused.push(response.status);
          if (response.status !== 503) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    });
    await waitFor(() => accepted.length >= 200, { timeoutMs: 30_000, what: '200 jobs accepted before the restart' });

    await pgctl('restart');
    await waitFor(() => accepted.length >= 400, { timeoutMs: 60_000, what: '200 more jobs accepted after the restart' });
    flowing = false;
    await load;

    // Whatever was refused was refused as "unavailable, retry", never as a server error.
    expect(refused.filter((status) => status !== 503)).toEqual([]);
    const jobs = await expectInvariants(cask, accepted, 180_000);
    expect(jobs.every((job) => job.status === 'succeeded')).toBe(true);
    expect(cask.api?.pid).toBe(pid);
    expect(cask.api?.output.join('\n')).not.toMatch(/Unhandled|Emitted 'error'|exited/);
  });

  it('answers 503 while PostgreSQL is stopped, reports the store down, and recovers by itself', async () => {
    const pid = cask.api?.pid;
    const before = await cask.dispatch('email.welcome', { email: 'before@example.com', name: 'Before' });

    // Dispatches in flight as the database goes away: each committed (202) or was refused (503).
    const keys = Array.from({ length: 20 }, () => randomUUID());
    const flight = (key: string) =>
      cask.post(
        '/jobs',
        { type: 'email.welcome', payload: { email: 'flight@example.com', name: 'In flight' } },
        { 'idempotency-key': key },
      );
    const stopping = pgctl('stop');
    const inFlight = await inParallel(keys, 20, flight);
    await stopping;
    expect(inFlight.map((r) => r.status).filter((status) => status !== 202 && status !== 503)).toEqual([]);
    for (const response of inFlight.filter((r) => r.status === 503)) {
      expect(response.body.error).toMatch(/job store/i);
    }

    const during = await cask.post('/jobs', { type: 'email.welcome', payload: { email: 'during@example.com', name: 'During' } });
    expect(during.status).toBe(503);
    expect(during.body).toEqual({ error: expect.stringMatching(/job store/i) });
    const status = await fetch(`${cask.baseUrl}/jobs/${before}`);
    expect(status.status).toBe(503);
    expect(status.headers.get('retry-after')).not.toBeNull();
    const ready = await fetch(`${cask.baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: Record<string, unknown> }).error).toHaveProperty('store');

    await pgctl('start');
    await waitFor(async () => (await fetch(`${cask.baseUrl}/health/ready`)).status === 200, {
      timeoutMs: 60_000,
      what: 'the api to be ready again',
    });
    const after = await cask.dispatch('email.welcome', { email: 'after@example.com', name: 'After' });
    // The refused ones, sent again with their keys: each becomes one job (the one it made if its commit landed).
    const retried = await inParallel(
      keys.filter((_, i) => inFlight[i].status === 503),
      10,
      flight,
    );
    expect(retried.map((r) => r.status).filter((s) => s !== 202)).toEqual([]);

    const accepted = [before, after, ...[...inFlight, ...retried].filter((r) => r.status === 202).map((r) => r.body.job_id as string)];
    const jobs = await expectInvariants(cask, accepted, 120_000);
    expect(jobs.every((job) => job.status === 'succeeded')).toBe(true);
    expect(cask.api?.pid).toBe(pid);
    expect(cask.api?.output.join('\n')).not.toMatch(/Unhandled|Emitted 'error'|exited/);
  });
});
