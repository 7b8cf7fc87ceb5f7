import { AppProcess, CaskSystem, TcpProxy } from '@cask/testing';

/** Both apps start while the broker is away, say where they tried, and serve once it appears. */
describe('broker down at start', () => {
  const cask = new CaskSystem('outage');
  const proxy = new TcpProxy('127.0.0.1', 5672);
  let port: number;
  let api: AppProcess;
  let worker: AppProcess;

  beforeAll(async () => {
    port = await TcpProxy.reservePort();
  });

  afterAll(async () => {
    await Promise.all([api?.stop('SIGKILL'), worker?.stop('SIGKILL')]);
    await proxy.down();
    await cask.stop();
  });

  it('logs one clear line, accepts jobs into the outbox meanwhile, and runs them once the broker is up', async () => {
    const env = { ...cask.commonEnv, AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}` };
    api = AppProcess.start('api', { ...env, PORT: '0', SQLITE_PATH: cask.sqlitePath });
    worker = AppProcess.start('worker', env);
    const where = new RegExp(`Cannot reach RabbitMQ at amqp://guest@127\\.0\\.0\\.1:${port}`);
    await api.waitForLine(where);
    await worker.waitForLine(where);
    expect(api.output.join('\n')).not.toContain('guest:guest');

    const listening = await api.waitForLine(/listening on port \d+/);
    cask.baseUrl = `http://127.0.0.1:${/port (\d+)/.exec(listening)?.[1]}`;
    const early = await cask.dispatch('demo.flaky', { fail_times: 0 });
    expect((await cask.get(early)).status).toBe('queued');

    await proxy.up(port);
    await api.waitForLine(/Ready to dispatch jobs/);
    await worker.waitForLine(/consuming/);
    // Backoff, not a line per retry: a handful of lines at most for the outage.
    expect(api.output.filter((line) => where.test(line)).length).toBeLessThanOrEqual(3);

    const jobs = await cask.waitForTerminal([early, await cask.dispatch('demo.flaky', { fail_times: 0 })]);
    expect(jobs.map((job) => job.status)).toEqual(['succeeded', 'succeeded']);
    expect(jobs[0].attempts).toBe(1);
  });
});
