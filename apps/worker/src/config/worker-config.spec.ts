import { configErrorOf } from '@cask/testing';
import { loadWorkerConfig } from './worker-config';


describe('loadWorkerConfig', () => {
  it('uses the documented defaults and a worker id from host and pid', () => {
    const config = loadWorkerConfig({});

    expect(config).toMatchObject({ amqpUrl: 'amqp://guest:guest@localhost:5672', namespace: 'cask', concurrency: 16, publishConfirmTimeoutMs: 10_000, shutdownGraceMs: 30_000, enableCrashDemo: false, logLevel: 'log' });
    expect(config.workerId).toMatch(new RegExp(`-${process.pid}$`));
  });

  it('takes WORKER_ID and WORKER_CONCURRENCY when set', () => {
    expect(loadWorkerConfig({ WORKER_ID: 'worker-a', WORKER_CONCURRENCY: '4' })).toMatchObject({ workerId: 'worker-a', concurrency: 4 });
  });

  it('names every bad variable in one error', () => {
    const error = configErrorOf(() => loadWorkerConfig({ WORKER_CONCURRENCY: '0', PUBLISH_CONFIRM_TIMEOUT_MS: 'soon', WORKER_ID: 'w'.repeat(101) }));

    expect(error.problems.sort()).toEqual([
      'PUBLISH_CONFIRM_TIMEOUT_MS: must be an integer',
      'WORKER_CONCURRENCY: must be at least 1',
      'WORKER_ID: must be at most 100 characters',
    ]);
  });
});
