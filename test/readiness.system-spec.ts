import { CaskSystem, TcpProxy, metricValue, scrapeMetrics, waitFor, workerHealthUrl } from '@cask/testing';

/**
 * Readiness follows the broker: both apps answer 503 while theirs is gone, and 200 again once it is back,
 * without a restart. The broker is shared, so it is "stopped" for these apps by cutting the TCP proxy
 * between them and it.
 */
describe('readiness while the broker goes away and comes back', () => {
  const proxy = new TcpProxy('127.0.0.1', 5672);
  let cask: CaskSystem;
  let workerHealth: string;
  let workerMetrics: string;

  beforeAll(async () => {
    const port = await proxy.up();
    cask = new CaskSystem('readiness', { AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}` });
    await cask.startApi();
    await cask.startWorker();
    workerHealth = await workerHealthUrl(cask.worker as NonNullable<typeof cask.worker>);
    workerMetrics = workerHealth.replace(/\/health$/, '');
  });

  afterAll(async () => {
    await cask?.stop();
    await proxy.down();
  });

  const statuses = async () =>
    Promise.all([fetch(`${cask.baseUrl}/health/ready`), fetch(`${workerHealth}/ready`)].map(async (r) => (await r).status));
  const gauge = async (name: string) =>
    Promise.all([scrapeMetrics(cask.baseUrl), scrapeMetrics(workerMetrics)].map(async (s) => metricValue(await s, name)));

  it('goes 503 on both apps when the broker stops, naming the broker, and 200 again after, counting the reconnect', async () => {
    const pids = [cask.api?.pid, cask.worker?.pid];
    await waitFor(async () => (await statuses()).every((status) => status === 200), { what: 'both apps to be ready' });
    expect(await gauge('cask_broker_connected')).toEqual([1, 1]);

    await proxy.down();

    await waitFor(async () => (await statuses()).every((status) => status === 503), {
      timeoutMs: 30_000,
      what: 'both apps to say they are not ready',
    });
    const [api, worker] = await Promise.all(
      [fetch(`${cask.baseUrl}/health/ready`), fetch(`${workerHealth}/ready`)].map(async (r) => (await r).json()),
    );
    expect(api).toMatchObject({ status: 'error', error: { broker: { status: 'down' } }, info: { store: { status: 'up' } } });
    expect(worker).toMatchObject({ status: 'error', error: { broker: { status: 'down' } } });
    // Live all along: an orchestrator must not restart a process that is only waiting for its broker.
    expect([(await fetch(`${cask.baseUrl}/health/live`)).status, (await fetch(`${workerHealth}/live`)).status]).toEqual([200, 200]);
    expect(await gauge('cask_broker_connected')).toEqual([0, 0]);

    // Jobs dispatched meanwhile wait in the outbox, and the gauge says so.
    const during = await Promise.all([1, 2, 3].map((i) => cask.dispatch('email.welcome', { email: `r${i}@example.com`, name: `R${i}` })));
    expect(metricValue(await scrapeMetrics(cask.baseUrl), 'cask_outbox_backlog')).toBe(3);

    await proxy.up();

    await waitFor(async () => (await statuses()).every((status) => status === 200), {
      timeoutMs: 60_000,
      what: 'both apps to be ready again',
    });
    expect(await gauge('cask_broker_connected')).toEqual([1, 1]);
    expect(await gauge('cask_broker_reconnects_total')).toEqual([1, 1]);
    const jobs = await cask.waitForTerminal(during);
    expect(jobs.map((job) => job.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    await waitFor(async () => metricValue(await scrapeMetrics(cask.baseUrl), 'cask_outbox_backlog') === 0, {
      what: 'the outbox backlog gauge to drop to 0',
    });
    expect([cask.api?.pid, cask.worker?.pid]).toEqual(pids);
  });
});
