import { configErrorOf } from '@cask/testing';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      deadLetterRetentionMs: 30 * 24 * 3600 * 1000,
      logLevel: 'log',
      logFormat: 'pretty',
    });
  });

  it('logs JSON in production and readable lines elsewhere, unless LOG_FORMAT says otherwise', () => {
    const production = {
      NODE_ENV: 'production',
      AMQP_URL: 'amqps://cask:s3cret@rabbit.internal',
      CASK_API_KEYS: 'acme:write:cask_test_key_logformat_0123456789',
      CASK_SIGNING_KEYS: 'k1:cask-test-signing-secret-0123456789abcdef',
    };
    expect(loadApiConfig(production).logFormat).toBe('json');
    expect(loadApiConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadApiConfig({ ...production, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
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
    expect(error.problems.sort()).toEqual([
      'JOB_RATE_LIMITS: count of "demo.flaky" must be an integer from 1 to 100000',
      'WORKERS_TIMEOUT_MS: must be at least 500',
    ]);
  });
  it('signs nothing unless CASK_SIGNING_KEYS is set, and reads its keys in order', () => {
    expect(loadApiConfig({}).signingKeys).toEqual([]);
    expect(
      loadApiConfig({ CASK_SIGNING_KEYS: 'new:0123456789abcdef0123456789abcdef,old:fedcba9876543210fedcba9876543210' }).signingKeys,
    ).toEqual([
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
    expect(loadApiConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(loadApiConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(configErrorOf(() => loadApiConfig({ CORS_ORIGINS: 'app.example.com/path' })).problems).toEqual([
      'CORS_ORIGINS: must be origins separated by commas, e.g. "https://app.example.com,http://localhost:5173", or *',
    ]);
  });

  const KEY = 'cask_test_key_config_0123456789abcd';
  const SIGNING = 'k1:cask-test-signing-secret-0123456789abcdef';
  const PRODUCTION = {
    NODE_ENV: 'production',
    CASK_API_KEYS: `acme:write:${KEY}`,
    CASK_SIGNING_KEYS: SIGNING,
    AMQP_URL: 'amqps://cask:s3cret@rabbit.internal:5671',
  };

  it('reads CASK_API_KEYS as digests with tenant and scope, and the limits with their defaults', () => {
    const config = loadApiConfig({ CASK_API_KEYS: `acme:write:${KEY}, acme:read:sha256:${'AB'.repeat(32)}` });
    expect(config.apiKeys).toEqual([
      { tenant: 'acme', scope: 'write', sha256: createHash('sha256').update(KEY).digest('hex') },
      { tenant: 'acme', scope: 'read', sha256: 'ab'.repeat(32) },
    ]);
    expect(JSON.stringify(config)).not.toContain(KEY);
    expect(loadApiConfig({})).toMatchObject({
      apiKeys: [],
      rateLimitPerSecond: 1000,
      dispatchRateLimitPerSecond: 5000,
      maxQueuedJobsPerTenant: 100_000,
      production: false,
    });
    expect(loadApiConfig({ JOB_MAX_PAYLOAD_BYTES: 'email.welcome=1024' }).maxPayloadBytes).toEqual(new Map([['email.welcome', 1024]]));
  });

  it.each([
    ['no scope', 'acme:cask_test_key_config_0123456789abcd', 'entry 1 must be tenant:scope:key'],
    ['an unknown scope', 'acme:owner:cask_test_key_config_0123456789abcd', 'entry 1: scope must be read, write or admin'],
    [
      'a short key',
      'acme:write:short',
      'entry 1: key must be 24-200 characters (letters, digits, _ . ~ + / = -) or sha256:<64 hex digits>',
    ],
    [
      'a bad tenant',
      '-acme:write:cask_test_key_config_0123456789abcd',
      'entry 1: tenant must be 1-64 letters, digits, ".", "-" or "_", starting with a letter or digit',
    ],
    ['one key twice', `acme:write:${KEY},globex:read:${KEY}`, 'entry 2: the same key is configured twice'],
  ])('refuses CASK_API_KEYS with %s, never repeating a key', (_case, value, reason) => {
    const error = configErrorOf(() => loadApiConfig({ CASK_API_KEYS: value }));
    expect(error.problems).toEqual([`CASK_API_KEYS: ${reason}`]);
    expect(error.message).not.toContain('cask_test_key_config');
  });

  it('starts in production with keys, signing, its own broker user and TLS', () => {
    expect(loadApiConfig(PRODUCTION)).toMatchObject({ production: true, apiKeys: [expect.objectContaining({ tenant: 'acme' })] });
    expect(loadApiConfig({ ...PRODUCTION, AMQP_URL: 'amqp://cask:s3cret@localhost:5672' }).production).toBe(true);
    expect(loadApiConfig({ ...PRODUCTION, AMQP_URL: 'amqp://cask:s3cret@rabbitmq:5672', AMQP_ALLOW_PLAINTEXT: 'true' }).production).toBe(
      true,
    );
  });

  it('refuses to start in production open, unsigned, as guest or over plain AMQP to another host, naming each and no secret', () => {
    const error = configErrorOf(() =>
      loadApiConfig({ NODE_ENV: 'production', AMQP_URL: 'amqp://guest:hunter2-password@rabbit.internal:5672' }),
    );
    expect(error.problems).toEqual([
      'AMQP_URL: the broker\'s "guest" account is refused in production; create a user for Cask (NODE_ENV=production)',
      'AMQP_URL: plain amqp:// to rabbit.internal is refused in production; use amqps:// (with AMQP_CA_FILE for a private CA), or set AMQP_ALLOW_PLAINTEXT=true on a private network (NODE_ENV=production)',
      'CASK_API_KEYS: required; the api refuses to run open (NODE_ENV=production)',
      'CASK_SIGNING_KEYS: required; unsigned messages would let any broker account run jobs (NODE_ENV=production)',
    ]);
    expect(error.message).not.toContain('hunter2');
    // amqplib logs in as guest when the URL names no user.
    expect(configErrorOf(() => loadApiConfig({ ...PRODUCTION, AMQP_URL: 'amqps://rabbit.internal' })).problems).toEqual([
      'AMQP_URL: the broker\'s "guest" account is refused in production; create a user for Cask (NODE_ENV=production)',
    ]);
  });

  it('reads AMQP_CA_FILE for amqps://, and names a missing file or a plain URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cask-ca-'));
    const file = join(dir, 'ca.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\n');
    expect(loadApiConfig({ AMQP_URL: 'amqps://cask:x@rabbit:5671', AMQP_CA_FILE: file }).brokerCa?.toString()).toBe(
      '-----BEGIN CERTIFICATE-----\n',
    );
    expect(
      configErrorOf(() => loadApiConfig({ AMQP_URL: 'amqps://cask:x@rabbit:5671', AMQP_CA_FILE: `${file}.missing` })).problems,
    ).toEqual([`AMQP_CA_FILE: cannot read ${file}.missing (ENOENT)`]);
    expect(configErrorOf(() => loadApiConfig({ AMQP_CA_FILE: file })).problems).toEqual([
      'AMQP_CA_FILE: only used with an amqps:// AMQP_URL',
    ]);
  });
});
