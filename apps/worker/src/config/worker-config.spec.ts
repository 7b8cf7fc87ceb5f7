import { configErrorOf } from '@cask/testing';
import { loadWorkerConfig } from './worker-config';

describe('loadWorkerConfig', () => {
  it('uses the documented defaults and a worker id from host and pid', () => {
    const config = loadWorkerConfig({});

    expect(config).toMatchObject({
      amqpUrl: 'amqp://guest:guest@localhost:5672',
      namespace: 'cask',
      concurrency: 16,
      publishConfirmTimeoutMs: 10_000,
      shutdownGraceMs: 30_000,
      packSplitMs: 1000,
      enableCrashDemo: false,
      logLevel: 'log',
      logFormat: 'pretty',
    });
    expect(config.workerId).toMatch(new RegExp(`-${process.pid}$`));
  });

  it('logs JSON in production and readable lines elsewhere, unless LOG_FORMAT says otherwise', () => {
    const production = {
      NODE_ENV: 'production',
      AMQP_URL: 'amqps://cask:s3cret@rabbit.internal',
      CASK_SIGNING_KEYS: 'k1:cask-test-signing-secret-0123456789abcdef',
    };
    expect(loadWorkerConfig(production).logFormat).toBe('json');
    expect(loadWorkerConfig({ ...production, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadWorkerConfig({ LOG_FORMAT: 'json', LOG_LEVEL: 'verbose' })).toMatchObject({ logFormat: 'json', logLevel: 'verbose' });
    expect(configErrorOf(() => loadWorkerConfig({ LOG_FORMAT: 'JSON', LOG_LEVEL: 'info' })).problems.sort()).toEqual([
      'LOG_FORMAT: must be one of json, pretty',
      'LOG_LEVEL: must be one of error, warn, log, debug, verbose',
    ]);
  });

  it('takes WORKER_ID and WORKER_CONCURRENCY when set', () => {
    expect(loadWorkerConfig({ WORKER_ID: 'worker-a', WORKER_CONCURRENCY: '4' })).toMatchObject({ workerId: 'worker-a', concurrency: 4 });
  });

  it('names every bad variable in one error', () => {
    const error = configErrorOf(() =>
      loadWorkerConfig({ WORKER_CONCURRENCY: '0', PUBLISH_CONFIRM_TIMEOUT_MS: 'soon', WORKER_ID: 'w'.repeat(101) }),
    );

    expect(error.problems.sort()).toEqual([
      'PUBLISH_CONFIRM_TIMEOUT_MS: must be an integer',
      'WORKER_CONCURRENCY: must be at least 1',
      'WORKER_ID: must be at most 100 characters',
    ]);
  });

  it('consumes every queue, caps no type and limits no rate unless told', () => {
    const config = loadWorkerConfig({});

    expect(config.queues).toBeUndefined();
    expect(config.typeConcurrency.size).toBe(0);
    expect(config.rateLimits.size).toBe(0);
    expect(config.heartbeatMs).toBe(5000);
  });

  it('reads WORKER_QUEUES, WORKER_TYPE_CONCURRENCY, JOB_RATE_LIMITS and WORKER_HEARTBEAT_MS', () => {
    const config = loadWorkerConfig({
      WORKER_QUEUES: ' video , default,video',
      WORKER_TYPE_CONCURRENCY: 'video.process=2, email.welcome=10',
      JOB_RATE_LIMITS: 'demo.flaky=5',
      WORKER_HEARTBEAT_MS: '1000',
    });

    expect(config.queues).toEqual(['video', 'default']);
    expect([...config.typeConcurrency]).toEqual([
      ['video.process', 2],
      ['email.welcome', 10],
    ]);
    expect([...config.rateLimits]).toEqual([['demo.flaky', 5]]);
    expect(config.heartbeatMs).toBe(1000);
  });

  it('names malformed pool settings in one error', () => {
    const error = configErrorOf(() =>
      loadWorkerConfig({
        WORKER_QUEUES: 'video,,default',
        WORKER_TYPE_CONCURRENCY: 'video.process=0',
        JOB_RATE_LIMITS: 'demo.flaky',
        WORKER_HEARTBEAT_MS: '5',
      }),
    );

    expect(error.problems.sort()).toEqual([
      'JOB_RATE_LIMITS: must be name=count pairs separated by commas, e.g. "video.process=2" (got "demo.flaky")',
      'WORKER_HEARTBEAT_MS: must be at least 100',
      'WORKER_QUEUES: must be job queue names separated by commas, e.g. "video" or "default,video"',
      'WORKER_TYPE_CONCURRENCY: count of "video.process" must be an integer from 1 to 10000',
    ]);
  });
  it('signs nothing unless CASK_SIGNING_KEYS is set, and reads its keys in order', () => {
    expect(loadWorkerConfig({}).signingKeys).toEqual([]);
    expect(
      loadWorkerConfig({ CASK_SIGNING_KEYS: 'new:0123456789abcdef0123456789abcdef,old:fedcba9876543210fedcba9876543210' }).signingKeys,
    ).toEqual([
      { id: 'new', secret: '0123456789abcdef0123456789abcdef' },
      { id: 'old', secret: 'fedcba9876543210fedcba9876543210' },
    ]);
  });

  it('refuses a short signing secret without repeating it', () => {
    const error = configErrorOf(() => loadWorkerConfig({ CASK_SIGNING_KEYS: 'k1:tooshort' }));

    expect(error.problems).toEqual(['CASK_SIGNING_KEYS: key "k1": its secret must be at least 32 characters']);
    expect(error.message).not.toContain('tooshort');
  });

  it('refuses to start in production unsigned, as guest or over plain AMQP to another host; starts with all three right', () => {
    const error = configErrorOf(() =>
      loadWorkerConfig({ NODE_ENV: 'production', AMQP_URL: 'amqp://guest:hunter2-password@rabbit.internal:5672' }),
    );
    expect(error.problems).toEqual([
      'AMQP_URL: the broker\'s "guest" account is refused in production; create a user for Cask (NODE_ENV=production)',
      'AMQP_URL: plain amqp:// to rabbit.internal is refused in production; use amqps:// (with AMQP_CA_FILE for a private CA), or set AMQP_ALLOW_PLAINTEXT=true on a private network (NODE_ENV=production)',
      'CASK_SIGNING_KEYS: required; without it any broker account could make workers run jobs (NODE_ENV=production)',
    ]);
    expect(error.message).not.toContain('hunter2');
    const config = loadWorkerConfig({
      NODE_ENV: 'production',
      AMQP_URL: 'amqp://cask:s3cret@rabbitmq:5672',
      AMQP_ALLOW_PLAINTEXT: 'true',
      CASK_SIGNING_KEYS: 'k1:0123456789abcdef0123456789abcdef',
    });
    expect(config.production).toBe(true);
  });
});
