import {
  BackoffPolicy,
  BackoffWire,
  DEFAULT_RETRY_POLICY,
  DEFAULT_TIMEOUT_MS,
  RETRY_LIMITS,
  backoffDelay,
  backoffFromWire,
  backoffToWire,
  checkBackoff,
} from './retry-policy';

const exact = (policy: Partial<BackoffPolicy>): BackoffPolicy => ({
  type: 'exponential',
  baseMs: 1000,
  capMs: 300_000,
  jitter: 0,
  ...policy,
});

describe('backoffDelay', () => {
  it('waits the base delay after every attempt when fixed', () => {
    const fixed = exact({ type: 'fixed', baseMs: 500, capMs: 500 });

    expect([1, 2, 5, 50].map((attempt) => backoffDelay(fixed, attempt, 0.5))).toEqual([500, 500, 500, 500]);
  });

  it('doubles the delay after each attempt when exponential, starting from the base', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(exact({}), attempt, 0.5))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    const capped = exact({ capMs: 5000 });

    expect([3, 4, 10, 100, 5000].map((attempt) => backoffDelay(capped, attempt, 0.5))).toEqual([4000, 5000, 5000, 5000, 5000]);
  });

  it('treats an attempt below 1 as the first', () => {
    expect([0, -3].map((attempt) => backoffDelay(exact({}), attempt, 0.5))).toEqual([1000, 1000]);
  });

  it('spreads the delay by the jitter fraction: random 0 gives the low end, 0.999 the high end', () => {
    const jittered = exact({ jitter: 0.2 });

    expect([0, 0.5, 0.999].map((random) => backoffDelay(jittered, 1, random))).toEqual([800, 1000, 1200]);
    expect(backoffDelay(jittered, 3, 0)).toBe(3200);
    expect(backoffDelay(jittered, 3, 0.999)).toBeGreaterThanOrEqual(4790);
    expect(backoffDelay(jittered, 3, 0.999)).toBeLessThanOrEqual(4800);
  });

  it('jitters below the cap but never above it', () => {
    const atCap = exact({ capMs: 5000, jitter: 0.2 });

    expect([0, 0.5, 0.999].map((random) => backoffDelay(atCap, 10, random))).toEqual([4000, 5000, 5000]);
    expect(backoffDelay(exact({ type: 'fixed', baseMs: 5000, capMs: 5000, jitter: 1 }), 1, 0.999)).toBe(5000);
  });

  it('never waits less than nothing, even with full jitter', () => {
    expect(backoffDelay(exact({ jitter: 1 }), 1, 0)).toBe(0);
  });

  it('returns whole milliseconds', () => {
    expect(Number.isInteger(backoffDelay(exact({ baseMs: 333, jitter: 0.37 }), 3, 0.123))).toBe(true);
  });

  it('draws its own random number when given none, staying within the jitter', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(DEFAULT_RETRY_POLICY.backoff, 2));

    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1600);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2400);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });
});

describe('defaults', () => {
  it('retries 3 times, from 1 s doubling up to 5 min with ±20 % jitter, and times out after 5 min', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 3, backoff: { type: 'exponential', baseMs: 1000, capMs: 300_000, jitter: 0.2 } });
    expect(DEFAULT_TIMEOUT_MS).toBe(300_000);
  });

  it('cannot be changed by accident', () => {
    expect(() => {
      (DEFAULT_RETRY_POLICY as { maxAttempts: number }).maxAttempts = 10;
    }).toThrow(TypeError);
    expect(() => {
      (DEFAULT_RETRY_POLICY.backoff as { baseMs: number }).baseMs = 1;
    }).toThrow(TypeError);
  });

  it('are within the limits they are checked against', () => {
    expect(checkBackoff(backoffToWire(DEFAULT_RETRY_POLICY.backoff))).toEqual([]);
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThanOrEqual(RETRY_LIMITS.maxAttempts.min);
    expect(DEFAULT_TIMEOUT_MS).toBeLessThanOrEqual(RETRY_LIMITS.timeoutMs.max);
  });
});

describe('backoffToWire and backoffFromWire', () => {
  it('converts to snake_case and back without loss', () => {
    const policy: BackoffPolicy = { type: 'fixed', baseMs: 250, capMs: 750, jitter: 0.5 };

    expect(backoffToWire(policy)).toEqual({ type: 'fixed', base_ms: 250, cap_ms: 750, jitter: 0.5 });
    expect(backoffFromWire(backoffToWire(policy))).toEqual(policy);
  });
});

describe('checkBackoff', () => {
  const valid: BackoffWire = { type: 'exponential', base_ms: 1000, cap_ms: 60_000, jitter: 0.2 };

  it('finds nothing wrong with a valid backoff', () => {
    expect(checkBackoff(valid)).toEqual([]);
  });

  it('accepts the limits themselves: no delay, a day, no jitter and full jitter', () => {
    expect(checkBackoff({ type: 'fixed', base_ms: 0, cap_ms: 0, jitter: 0 })).toEqual([]);
    expect(checkBackoff({ type: 'fixed', base_ms: 86_400_000, cap_ms: 86_400_000, jitter: 1 })).toEqual([]);
  });

  it.each([
    ['null', null],
    ['an array', [valid]],
    ['a string', 'exponential'],
    ['undefined', undefined],
  ])('rejects %s as a whole, naming the field', (_label, value) => {
    expect(checkBackoff(value)).toEqual([{ field: 'backoff', reason: 'must be an object' }]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown type', { type: 'linear' }, 'backoff.type'],
    ['no type', { type: undefined }, 'backoff.type'],
    ['a negative base delay', { base_ms: -1 }, 'backoff.base_ms'],
    ['a fractional base delay', { base_ms: 1.5 }, 'backoff.base_ms'],
    ['a base delay as a string', { base_ms: '1000' }, 'backoff.base_ms'],
    ['a cap over a day', { cap_ms: 86_400_001 }, 'backoff.cap_ms'],
    ['no cap', { cap_ms: undefined }, 'backoff.cap_ms'],
    ['a negative jitter', { jitter: -0.1 }, 'backoff.jitter'],
    ['a jitter above 1', { jitter: 1.01 }, 'backoff.jitter'],
    ['a jitter that is not a number', { jitter: Number.NaN }, 'backoff.jitter'],
    ['a jitter as a string', { jitter: '0.2' }, 'backoff.jitter'],
  ])('rejects %s, naming only that field', (_label, change, field) => {
    const errors = checkBackoff({ ...valid, ...change });

    expect(errors).toEqual([{ field, reason: expect.any(String) }]);
  });

  it('rejects a cap below the base delay, saying so', () => {
    expect(checkBackoff({ ...valid, base_ms: 2000, cap_ms: 1000 })).toEqual([
      { field: 'backoff.cap_ms', reason: 'must be at least base_ms' },
    ]);
  });

  it('says which range a delay must be in', () => {
    expect(checkBackoff({ ...valid, base_ms: -1 })).toEqual([
      { field: 'backoff.base_ms', reason: 'must be an integer from 0 to 86400000' },
    ]);
    expect(checkBackoff({ ...valid, base_ms: 86_400_001, cap_ms: 86_400_001 })).toEqual([
      { field: 'backoff.base_ms', reason: 'must be an integer from 0 to 86400000' },
      { field: 'backoff.cap_ms', reason: 'must be an integer from 0 to 86400000' },
    ]);
  });

  it('rejects properties it does not know, naming each', () => {
    expect(checkBackoff({ ...valid, max_ms: 10, factor: 3 })).toEqual([
      { field: 'backoff.max_ms', reason: 'property max_ms should not exist' },
      { field: 'backoff.factor', reason: 'property factor should not exist' },
    ]);
  });

  it('names every bad field at once, under the given field name', () => {
    const errors = checkBackoff({ type: 'linear', base_ms: -1, cap_ms: 'x', jitter: 2 }, 'retry.backoff');

    expect(errors.map((error) => error.field)).toEqual([
      'retry.backoff.type',
      'retry.backoff.base_ms',
      'retry.backoff.cap_ms',
      'retry.backoff.jitter',
    ]);
  });
});
