import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { loadApiConfig } from '../../../apps/api/src/config/api-config';
import { loadWorkerConfig } from '../../../apps/worker/src/config/worker-config';
import { ConfigError, loadEnv } from './load-env';

class SampleEnv {
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @Max(100, { message: 'must be at most 100' })
  POOL: number = 10;

  @IsIn(['fast', 'safe'], { message: 'must be fast or safe' })
  MODE: string = 'safe';

  @IsOptional()
  @IsString()
  LABEL?: string;
}

/** The ConfigError `fn` throws; fails the test if it does not throw one. */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadEnv', () => {
  it('applies the defaults when nothing is set', () => {
    expect(loadEnv(SampleEnv, {})).toEqual({ POOL: 10, MODE: 'safe', LABEL: undefined });
  });

  it('converts numeric strings to numbers', () => {
    expect(loadEnv(SampleEnv, { POOL: '42' }).POOL).toBe(42);
  });

  it('keeps set values over defaults', () => {
    expect(loadEnv(SampleEnv, { POOL: '5', MODE: 'fast', LABEL: 'blue' })).toEqual({ POOL: 5, MODE: 'fast', LABEL: 'blue' });
  });

  it('treats an empty value as unset, so the default applies', () => {
    expect(loadEnv(SampleEnv, { POOL: '', MODE: '' })).toEqual({ POOL: 10, MODE: 'safe', LABEL: undefined });
  });

  it('ignores variables it does not declare', () => {
    expect(loadEnv(SampleEnv, { PATH: '/usr/bin', HOME: '/root' })).not.toHaveProperty('PATH');
  });

  it.each([
    ['not a number', 'ten', 'must be an integer'],
    ['a fraction', '1.5', 'must be an integer'],
    ['below the minimum', '0', 'must be at least 1'],
    ['above the maximum', '101', 'must be at most 100'],
  ])('rejects a value that is %s with the rule it broke', (_label, value, reason) => {
    expect(configErrorOf(() => loadEnv(SampleEnv, { POOL: value })).problems).toEqual([`POOL: ${reason}`]);
  });

  it('names every bad variable in one error, one line each', () => {
    const error = configErrorOf(() => loadEnv(SampleEnv, { POOL: 'lots', MODE: 'reckless' }));

    expect(error.problems.sort()).toEqual(['MODE: must be fast or safe', 'POOL: must be an integer']);
    expect(error.message.split('\n').slice(1).sort()).toEqual(['  - MODE: must be fast or safe', '  - POOL: must be an integer']);
    expect(error.message.split('\n')[0]).toBe('Invalid configuration:');
  });

  it('names a variable once even when it breaks several rules', () => {
    expect(configErrorOf(() => loadEnv(SampleEnv, { POOL: 'lots' })).problems).toHaveLength(1);
  });

  it('sets the error name to ConfigError', () => {
    expect(configErrorOf(() => loadEnv(SampleEnv, { MODE: 'x' })).name).toBe('ConfigError');
  });
});

describe('loadApiConfig', () => {
  it('uses the documented defaults in an empty environment', () => {
    expect(loadApiConfig({})).toEqual({
      port: 3000,
      amqpUrl: 'amqp://guest:guest@localhost:5672',
      namespace: 'cask',
      databaseUrl: undefined,
      sqlitePath: './data/cask.db',
      databasePoolSize: 10,
      publishConfirmTimeoutMs: 10_000,
      eventBatchSize: 500,
      logLevel: 'log',
    });
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
});

describe('loadWorkerConfig', () => {
  it('uses the documented defaults and a worker id from host and pid', () => {
    const config = loadWorkerConfig({});

    expect(config).toMatchObject({ amqpUrl: 'amqp://guest:guest@localhost:5672', namespace: 'cask', concurrency: 16, publishConfirmTimeoutMs: 10_000, logLevel: 'log' });
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
