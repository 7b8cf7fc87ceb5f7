import { CaskSystem, expectConsumers, expectInvariants, inParallel, waitFor, workerHealthUrl } from '@cask/testing';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Scenario 7: RabbitMQ stopped under load and started again: every job terminal, consumers back, no restarts. */
describe('fault: RabbitMQ stopped and started under load', () => {
  const cask = new CaskSystem('brokerstop');

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker({ WORKER_CONCURRENCY: '20' });
  });

  afterAll(async () => {
    // Never leave the shared broker stopped, whatever happened above.
    await run('rabbitmqctl', ['start_app']).catch(() => undefined);
    await cask.stop();
  });

  it('recovers both processes without restarting them', async () => {
    const pids = [cask.api?.pid, cask.worker?.pid];
    const ids = await inParallel(Array.from({ length: 300 }), 30, (_, i) =>
      cask.dispatch('video.process', { url: `https://example.com/${i}.mp4`, duration_ms: 50 }),
    );

    const workerHealth = await workerHealthUrl(cask.worker as NonNullable<typeof cask.worker>);
    const readiness = async () => [(await fetch(`${cask.baseUrl}/health/ready`)).status, (await fetch(`${workerHealth}/ready`)).status];
    expect(await readiness()).toEqual([200, 200]);

    await run('rabbitmqctl', ['stop_app']);
    await cask.api?.waitForLine(/Lost the RabbitMQ connection/, 30_000);
    await cask.worker?.waitForLine(/Lost the RabbitMQ connection/, 30_000);
    expect(await readiness()).toEqual([503, 503]);
    // Dispatch goes on while the broker is away: the outbox keeps these.
    const during = await inParallel(Array.from({ length: 20 }), 10, () =>
      cask.dispatch('email.welcome', { email: 'during@example.com', name: 'During' }),
    );
    await run('rabbitmqctl', ['start_app']);
    await waitFor(() => cask.api?.output.filter((l) => /Connected to RabbitMQ/.test(l)).length === 2, {
      timeoutMs: 60_000,
      what: 'the api to reconnect',
    });
    await waitFor(() => cask.worker?.output.filter((l) => /Connected to RabbitMQ/.test(l)).length === 2, {
      timeoutMs: 60_000,
      what: 'the worker to reconnect',
    });

    await waitFor(async () => (await readiness()).every((status) => status === 200), {
      timeoutMs: 60_000,
      what: 'both apps to be ready again',
    });
    const jobs = await expectInvariants(cask, [...ids, ...during], 180_000);
    expect(jobs.every((job) => job.status === 'succeeded')).toBe(true);
    await expectConsumers([`${cask.namespace}.jobs.video`, `${cask.namespace}.jobs.default`, `${cask.namespace}.events`]);
    expect([cask.api?.pid, cask.worker?.pid]).toEqual(pids);
    expect(cask.api?.output.join('\n')).not.toMatch(/exited|Unhandled/);
  });
});
