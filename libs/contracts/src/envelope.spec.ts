import { JobEnvelope, decodeEnvelope, encodeEnvelope, isUuid } from './envelope';

const ID = '0190b6a4-3c3e-7b6a-9f1e-2d3c4b5a6978';

const valid: JobEnvelope = { v: 1, id: ID, type: 'email.welcome', payload: { email: 'ada@example.com', name: 'Ada' }, attempt: 1, created_at: 1_700_000_000_000 };

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

  it('accepts a later attempt and an empty payload object', () => {
    expect(decodeEnvelope(body({ ...valid, attempt: 3, payload: {} })).ok).toBe(true);
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
    ['created_at missing', { created_at: undefined }, 'created_at'],
    ['created_at a string', { created_at: '2024-01-01T00:00:00Z' }, 'created_at'],
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
