import { AppProcess, CaskSystem, TcpProxy, expectInvariants, inParallel } from '@cask/testing';

/** Scenario 8: the broker is down during POST /jobs, and the api is killed during the outage: nothing is lost. */
describe('fault: broker down while dispatching, api killed during the outage', () => {
  const cask = new CaskSystem('outbox');
  const proxy = new TcpProxy('127.0.0.1', 5672);

  beforeAll(async () => {
    const port = await proxy.up();
    // The api reaches the broker through the proxy; the worker directly.
    await cask.startApi({ AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}`, OUTBOX_POLL_MS: '200' });
    await cask.startWorker();
  });

  afterAll(async () => {
    await proxy.down();
    await cask.stop();
  });

  it('answers 202 from the outbox while the broker is away and publishes every job after recovery', async () => {
    await proxy.down();
    await cask.api?.waitForLine(/Lost the RabbitMQ connection/);
    const ids = await inParallel(Array.from({ length: 50 }), 10, (_, i) =>
      cask.dispatch('email.welcome', { email: `o${i}@example.com`, name: 'Outbox' }),
    );
    for (const job of await Promise.all(ids.slice(0, 5).map((id) => cask.get(id)))) expect(job.status).toBe('queued');

    expect(await cask.api?.stop('SIGKILL')).toBeNull();
    const restarted = await startApiWithoutReady(cask);
    const more = await inParallel(Array.from({ length: 10 }), 5, (_, i) =>
      cask.dispatch('email.welcome', { email: `p${i}@example.com`, name: 'Outbox' }),
    );

    await proxy.up();
    await restarted.waitForLine(/Publishing \d+ job\(s\) from the outbox/, 30_000);
    const jobs = await expectInvariants(cask, [...ids, ...more]);
    expect(jobs.every((job) => job.status === 'succeeded' && job.attempts === 1)).toBe(true);
  });

  /** The api restarted while the broker is still down: it serves, it just is not "ready to dispatch" yet. */
  async function startApiWithoutReady(system: CaskSystem): Promise<AppProcess> {
    const api = AppProcess.start('api', {
      ...system.commonEnv,
      PORT: '0',
      SQLITE_PATH: system.sqlitePath,
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${proxy.listenPort}`,
      OUTBOX_POLL_MS: '200',
    });
    const line = await api.waitForLine(/listening on port \d+/);
    system.api = api;
    system.baseUrl = `http://127.0.0.1:${/port (\d+)/.exec(line)?.[1]}`;
    return api;
  }
});
