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

  it('logs one clear line, answers 503 meanwhile, and runs jobs once the broker is up', async () => {
    const env = { ...cask.commonEnv, AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}` };
    api = AppProcess.start('api', { ...env, PORT: '0', SQLITE_PATH: cask.sqlitePath });
    worker = AppProcess.start('worker', env);
    const where = new RegExp(`Cannot reach RabbitMQ at amqp://guest@127\\.0\\.0\\.1:${port}`);
    await api.waitForLine(where);
    await worker.waitForLine(where);
    expect(api.output.join('\n')).not.toContain('guest:guest');

    const listening = await api.waitForLine(/listening on port \d+/);
    cask.baseUrl = `http://127.0.0.1:${/port (\d+)/.exec(listening)?.[1]}`;
    const refused = await cask.post('/jobs', { type: 'demo.flaky', payload: { fail_times: 0 } });
    expect(refused.status).toBe(503);

    await proxy.up(port);
    await api.waitForLine(/Ready to dispatch jobs/);
    await worker.waitForLine(/consuming/);
    // Backoff, not a line per retry: a handful of lines at most for the outage.
    expect(api.output.filter((line) => where.test(line)).length).toBeLessThanOrEqual(3);

    const [job] = await cask.waitForTerminal([await cask.dispatch('demo.flaky', { fail_times: 0 })]);
    expect(job.status).toBe('succeeded');
  });
});
