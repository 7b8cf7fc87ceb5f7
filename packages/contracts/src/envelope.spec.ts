import { JobEnvelope, decodeEnvelope, encodeEnvelope, isUuid } from './envelope';

const ID = '0190b6a4-3c3e-7b6a-9f1e-2d3c4b5a6978';

const valid: JobEnvelope = {
  v: 1,
  id: ID,
  type: 'email.welcome',
  payload: { email: 'ada@example.com', name: 'Ada' },
  attempt: 1,
  series: 1,
  max_attempts: 3,
  backoff: { type: 'exponential', base_ms: 1000, cap_ms: 300_000, jitter: 0.2 },
  timeout_ms: 300_000,
  created_at: 1_700_000_000_000,
};

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

/** The reason a body was rejected; fails the test if it was accepted. */
function reasonFor(raw: Buffer): string {
  const decoded = decodeEnvelope(raw);
  if (decoded.ok) throw new Error(`expected the body to be rejected, got ${JSON.stringify(decoded.value)}`);
  expect(decoded.code).toBe('malformed');
  return decoded.reason;
}

describe('decodeEnvelope', () => {
  it('accepts a valid envelope', () => {
    expect(decodeEnvelope(body(valid))).toEqual({ ok: true, value: valid });
  });

  it('gives back what encodeEnvelope wrote', () => {
    expect(decodeEnvelope(encodeEnvelope(valid))).toEqual({ ok: true, value: valid });
  });

  it('accepts an envelope with ready_at, and one without (from older senders)', () => {
    const ready = { ...valid, ready_at: 1_700_000_060_000 };
    expect(decodeEnvelope(body(ready))).toEqual({ ok: true, value: ready });
    expect(decodeEnvelope(body({ ...valid, ready_at: undefined })).ok).toBe(true);
  });

  it('accepts a later attempt and an empty payload object', () => {
    expect(decodeEnvelope(body({ ...valid, attempt: 3, payload: {} })).ok).toBe(true);
  });

  it('accepts a later series, the retry limits at their bounds and a fixed backoff without jitter', () => {
    const edge = { ...valid, series: 4, max_attempts: 100, timeout_ms: 1, backoff: { type: 'fixed', base_ms: 0, cap_ms: 0, jitter: 0 } };

    expect(decodeEnvelope(body(edge))).toEqual({ ok: true, value: edge });
  });

  it('accepts a single attempt', () => {
    expect(decodeEnvelope(body({ ...valid, max_attempts: 1 })).ok).toBe(true);
  });

  it('accepts a flow job’s parents and a callback’s batch counts', () => {
    const parents = {
      fetch: { job_id: ID, type: 'demo.step', status: 'succeeded', result: { bytes: 3 }, error: null },
      probe: {
        job_id: ID,
        type: 'demo.step',
        status: 'failed',
        result: null,
        error: { code: 'permanent', message: 'no', retryable: false },
      },
    };
    const flowJob = { ...valid, parents, ready_at: 1_700_000_060_000 };
    expect(decodeEnvelope(body(flowJob))).toEqual({ ok: true, value: flowJob });
    const callback = { ...valid, batch: { total: 3, succeeded: 2, failed: 1, cancelled: 0 } };
    expect(decodeEnvelope(body(callback))).toEqual({ ok: true, value: callback });
  });

  it.each<[string, unknown, string]>([
    ['an array', [], 'field "parents" must be a JSON object'],
    ['a parent that is not an object', { a: 1 }, 'field "parents.a" must be a JSON object'],
    ['a parent without a job id', { a: { type: 't', status: 'succeeded', error: null } }, 'field "parents.a.job_id" must be a UUID'],
    ['a parent still running', { a: { job_id: ID, type: 't', status: 'running', error: null } }, 'field "parents.a.status"'],
    ['an error that is a string', { a: { job_id: ID, type: 't', status: 'failed', error: 'no' } }, 'field "parents.a.error"'],
  ])('rejects parents that are %s', (_label, parents, reason) => {
    expect(reasonFor(body({ ...valid, parents }))).toContain(reason);
  });

  it('rejects batch counts that are missing or negative', () => {
    expect(reasonFor(body({ ...valid, batch: { total: 3 } }))).toContain('field "batch"');
    expect(reasonFor(body({ ...valid, batch: { total: 1, succeeded: -1, failed: 0, cancelled: 0 } }))).toContain('field "batch"');
  });

  it('rejects a body that is not JSON', () => {
    expect(reasonFor(Buffer.from('{"v":1,'))).toBe('body is not valid JSON');
  });

  it('rejects an empty body', () => {
    expect(reasonFor(Buffer.alloc(0))).toBe('body is not valid JSON');
  });

  it.each([
    ['null', null],
    ['an array', [valid]],
    ['a string', 'hello'],
    ['a number', 1],
  ])('rejects JSON that is %s rather than an object', (_label, value) => {
    expect(reasonFor(body(value))).toBe('body is not a JSON object');
  });

  it.each<[string, Partial<Record<keyof JobEnvelope, unknown>>, string]>([
    ['v missing', { v: undefined }, 'v'],
    ['v of 2', { v: 2 }, 'v'],
    ['v as a string', { v: '1' }, 'v'],
    ['id missing', { id: undefined }, 'id'],
    ['id not a UUID', { id: 'job-1' }, 'id'],
    ['type missing', { type: undefined }, 'type'],
    ['type empty', { type: '' }, 'type'],
    ['type a number', { type: 7 }, 'type'],
    ['payload missing', { payload: undefined }, 'payload'],
    ['payload null', { payload: null }, 'payload'],
    ['payload an array', { payload: [] }, 'payload'],
    ['payload a string', { payload: '{}' }, 'payload'],
    ['attempt missing', { attempt: undefined }, 'attempt'],
    ['attempt 0', { attempt: 0 }, 'attempt'],
    ['attempt 1.5', { attempt: 1.5 }, 'attempt'],
    ['attempt a string', { attempt: '1' }, 'attempt'],
    ['series missing', { series: undefined }, 'series'],
    ['series 0', { series: 0 }, 'series'],
    ['series 1.5', { series: 1.5 }, 'series'],
    ['series a string', { series: '1' }, 'series'],
    ['max_attempts missing', { max_attempts: undefined }, 'max_attempts'],
    ['max_attempts 0', { max_attempts: 0 }, 'max_attempts'],
    ['max_attempts 101', { max_attempts: 101 }, 'max_attempts'],
    ['max_attempts 2.5', { max_attempts: 2.5 }, 'max_attempts'],
    ['backoff missing', { backoff: undefined }, 'backoff'],
    ['backoff null', { backoff: null }, 'backoff'],
    ['backoff an array', { backoff: [] }, 'backoff'],
    ['backoff of an unknown type', { backoff: { ...valid.backoff, type: 'linear' } }, 'backoff.type'],
    ['backoff base_ms negative', { backoff: { ...valid.backoff, base_ms: -1 } }, 'backoff.base_ms'],
    ['backoff base_ms a string', { backoff: { ...valid.backoff, base_ms: '1000' } }, 'backoff.base_ms'],
    ['backoff cap_ms below base_ms', { backoff: { ...valid.backoff, cap_ms: 999 } }, 'backoff.cap_ms'],
    ['backoff cap_ms over a day', { backoff: { ...valid.backoff, cap_ms: 86_400_001 } }, 'backoff.cap_ms'],
    ['backoff jitter above 1', { backoff: { ...valid.backoff, jitter: 1.5 } }, 'backoff.jitter'],
    ['backoff jitter missing', { backoff: { ...valid.backoff, jitter: undefined } }, 'backoff.jitter'],
    ['backoff with an unknown property', { backoff: { ...valid.backoff, max_ms: 5 } }, 'backoff.max_ms'],
    ['timeout_ms missing', { timeout_ms: undefined }, 'timeout_ms'],
    ['timeout_ms 0', { timeout_ms: 0 }, 'timeout_ms'],
    ['timeout_ms 1.5', { timeout_ms: 1.5 }, 'timeout_ms'],
    ['timeout_ms a string', { timeout_ms: '300000' }, 'timeout_ms'],
    ['created_at missing', { created_at: undefined }, 'created_at'],
    ['created_at a string', { created_at: '2024-01-01T00:00:00Z' }, 'created_at'],
    ['ready_at a string', { ready_at: '2024-01-01T00:00:00Z' }, 'ready_at'],
    ['ready_at null', { ready_at: null }, 'ready_at'],
  ])('rejects an envelope with %s, naming the field', (_label, change, field) => {
    expect(reasonFor(body({ ...valid, ...change }))).toContain(`field "${field}"`);
  });
});

describe('isUuid', () => {
  it('accepts canonical UUIDs in either case', () => {
    expect([ID, ID.toUpperCase()].map(isUuid)).toEqual([true, true]);
  });

  it.each([
    ['a UUID without dashes', ID.replace(/-/g, '')],
    ['a UUID with a trailing character', `${ID}0`],
    ['a non-hex character', ID.replace(/^0/, 'g')],
    ['a number', 42],
    ['undefined', undefined],
  ])('rejects %s', (_label, value) => {
    expect(isUuid(value)).toBe(false);
  });
});
