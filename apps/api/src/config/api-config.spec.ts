import { configErrorOf } from '@cask/testing';
import { loadApiConfig } from './api-config';


describe('loadApiConfig', () => {
  it('uses the documented defaults in an empty environment', () => {
    expect(loadApiConfig({})).toMatchObject({
      port: 3000,
      amqpUrl: 'amqp://guest:guest@localhost:5672',
      namespace: 'cask',
      databaseUrl: undefined,
      sqlitePath: './data/cask.db',
      databasePoolSize: 10,
      publishConfirmTimeoutMs: 10_000,
      eventBatchSize: 500,
      outboxMaxBacklog: 10_000,
      outboxPollMs: 1000,
      idempotencyTtlMs: 24 * 3600 * 1000,
      shutdownGraceMs: 10_000,
      retentionSweepMs: 60_000,
      tombstoneTtlMs: 30 * 24 * 3600 * 1000,
      logLevel: 'log',
      logFormat: 'pretty',
    });
  });

  it('logs JSON in production and readable lines elsewhere, unless LOG_FORMAT says otherwise', () => {
    expect(loadApiConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadApiConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadApiConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadApiConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(configErrorOf(() => loadApiConfig({ LOG_FORMAT: 'xml' })).problems).toEqual(['LOG_FORMAT: must be one of json, pretty']);
  });

  it('reads and converts set variables', () => {
    const config = loadApiConfig({ PORT: '8080', DATABASE_URL: 'postgres://db/cask', EVENT_BATCH_SIZE: '50', LOG_LEVEL: 'debug' });

    expect(config).toMatchObject({ port: 8080, databaseUrl: 'postgres://db/cask', eventBatchSize: 50, logLevel: 'debug' });
  });

  it('names every bad variable in one error', () => {
    const error = configErrorOf(() =>
      loadApiConfig({ PORT: '70000', AMQP_URL: 'http://rabbit', DATABASE_URL: 'mysql://db', LOG_LEVEL: 'loud', CASK_NAMESPACE: 'Prod' }),
    );

    expect(error.problems.sort()).toEqual([
      'AMQP_URL: must be an amqp:// or amqps:// URL',
      'CASK_NAMESPACE: must be lower-case letters, digits, ".", "-" or "_"',
      'DATABASE_URL: must be a postgres:// or postgresql:// URL',
      'LOG_LEVEL: must be one of error, warn, log, debug, verbose',
      'PORT: must be at most 65535',
    ]);
  });

  it('lists workers heard from in the last 15 s and limits no rate by default', () => {
    const config = loadApiConfig({});

    expect(config.workersTimeoutMs).toBe(15_000);
    expect(config.rateLimits.size).toBe(0);
  });

  it('reads WORKERS_TIMEOUT_MS and JOB_RATE_LIMITS, naming what is wrong with them', () => {
    const config = loadApiConfig({ WORKERS_TIMEOUT_MS: '2000', JOB_RATE_LIMITS: 'demo.flaky=5, video.process=1' });
    expect(config.workersTimeoutMs).toBe(2000);
    expect(Object.fromEntries(config.rateLimits)).toEqual({ 'demo.flaky': 5, 'video.process': 1 });

    const error = configErrorOf(() => loadApiConfig({ WORKERS_TIMEOUT_MS: '100', JOB_RATE_LIMITS: 'demo.flaky=0' }));
    expect(error.problems.sort()).toEqual(['JOB_RATE_LIMITS: count of "demo.flaky" must be an integer from 1 to 100000', 'WORKERS_TIMEOUT_MS: must be at least 500']);
  });
  it('signs nothing unless CASK_SIGNING_KEYS is set, and reads its keys in order', () => {
    expect(loadApiConfig({}).signingKeys).toEqual([]);
    expect(loadApiConfig({ CASK_SIGNING_KEYS: 'new:0123456789abcdef0123456789abcdef,old:fedcba9876543210fedcba9876543210' }).signingKeys).toEqual([
      { id: 'new', secret: '0123456789abcdef0123456789abcdef' },
      { id: 'old', secret: 'fedcba9876543210fedcba9876543210' },
    ]);
  });

  it('refuses a short signing secret without repeating it', () => {
    const error = configErrorOf(() => loadApiConfig({ CASK_SIGNING_KEYS: 'k1:tooshort' }));

    expect(error.problems).toEqual(['CASK_SIGNING_KEYS: key "k1": its secret must be at least 32 characters']);
    expect(error.message).not.toContain('tooshort');
  });
  it('reads CORS_ORIGINS as a list, and refuses what is not an origin', () => {
    expect(loadApiConfig({}).corsOrigins).toEqual([]);
    expect(loadApiConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(loadApiConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(configErrorOf(() => loadApiConfig({ CORS_ORIGINS: 'app.example.com/path' })).problems).toEqual([
      'CORS_ORIGINS: must be origins separated by commas, e.g. "https://app.example.com,http://localhost:5173", or *',
    ]);
  });
});

