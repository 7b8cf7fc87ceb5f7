import { JobEvent, decodeEvents, encodeEvents } from './job-events';

const ID = '0190b6a4-3c3e-7b6a-9f1e-2d3c4b5a6978';
const OTHER_ID = '0190b6a4-3c3f-7000-8000-000000000001';
const base = { job_id: ID, type: 'video.process', series: 1, attempt: 1, at: 1_700_000_000_100, worker: 'host-123' };

const started: JobEvent = { ...base, kind: 'started' };
const progressNumber: JobEvent = { ...base, kind: 'progress', progress: 40 };
const progressObject: JobEvent = { ...base, kind: 'progress', progress: { frames: 12, of: 30 } };
const succeeded: JobEvent = { ...base, kind: 'succeeded', started_at: 1_700_000_000_000, result: { frames: 30 } };
const failed: JobEvent = {
  ...base,
  job_id: OTHER_ID,
  kind: 'failed',
  started_at: 1_700_000_000_000,
  error: { code: 'permanent', message: 'bad', retryable: false },
};
const retrying: JobEvent = {
  ...base,
  kind: 'retrying',
  started_at: 1_700_000_000_000,
  error: { code: 'timeout', message: 'attempt ran past 30000 ms', retryable: true },
  next_attempt_at: 1_700_000_001_100,
};
const retryingBeforeStart: JobEvent = {
  ...base,
  kind: 'retrying',
  series: 3,
  attempt: 2,
  error: { code: 'handler_error', message: 'connection reset', retryable: true },
  next_attempt_at: 1_700_000_002_100,
};
const failedBeforeStart: JobEvent = {
  ...base,
  kind: 'failed',
  error: { code: 'invalid_payload', message: 'url: must be a URL', retryable: false },
};

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

/** The reason a body was rejected; fails the test if it was accepted. */
function reasonFor(raw: Buffer): string {
  const decoded = decodeEvents(raw);
  if (decoded.ok) throw new Error(`expected the body to be rejected, got ${JSON.stringify(decoded.value)}`);
  expect(decoded.code).toBe('malformed');
  return decoded.reason;
}

describe('decodeEvents', () => {
  it('accepts one event of every kind in one message, in order', () => {
    const events = [started, progressNumber, progressObject, succeeded, retrying, retryingBeforeStart, failed, failedBeforeStart];

    expect(decodeEvents(body(events))).toEqual({ ok: true, value: events });
  });

  it('gives back what encodeEvents wrote', () => {
    const events = [started, progressObject, retrying, succeeded];

    expect(decodeEvents(encodeEvents(events))).toEqual({ ok: true, value: events });
  });

  it('accepts events of a later series', () => {
    expect(
      decodeEvents(
        body([
          { ...started, series: 2 },
          { ...failed, series: 7 },
        ]),
      ).ok,
    ).toBe(true);
  });

  it('accepts an empty array', () => {
    expect(decodeEvents(body([]))).toEqual({ ok: true, value: [] });
  });

  it('accepts a success whose result is null', () => {
    expect(decodeEvents(body([{ ...succeeded, result: null }])).ok).toBe(true);
  });

  it('rejects a body that is not JSON', () => {
    expect(reasonFor(Buffer.from('[{"kind":'))).toBe('body is not valid JSON');
  });

  it.each([
    ['a single event object', started],
    ['null', null],
    ['a string', 'started'],
  ])('rejects JSON that is %s rather than an array', (_label, value) => {
    expect(reasonFor(body(value))).toBe('body is not a JSON array of events');
  });

  it.each([
    ['null', null],
    ['a string', 'started'],
    ['a number', 3],
  ])('rejects an array holding %s, naming the event', (_label, value) => {
    expect(reasonFor(body([started, value]))).toBe('event 1: not an object');
  });

  it.each<[string, JobEvent, Record<string, unknown>, string]>([
    ['job_id missing', started, { job_id: undefined }, 'job_id'],
    ['job_id not a UUID', started, { job_id: '42' }, 'job_id'],
    ['type missing', started, { type: undefined }, 'type'],
    ['attempt 0', started, { attempt: 0 }, 'attempt'],
    ['attempt a string', started, { attempt: '1' }, 'attempt'],
    ['series missing', started, { series: undefined }, 'series'],
    ['series 0', started, { series: 0 }, 'series'],
    ['series 1.5', succeeded, { series: 1.5 }, 'series'],
    ['series a string', failed, { series: '2' }, 'series'],
    ['at missing', started, { at: undefined }, 'at'],
    ['at a string', started, { at: '2024-01-01' }, 'at'],
    ['worker missing', started, { worker: undefined }, 'worker'],
    ['worker of 201 characters', started, { worker: 'w'.repeat(201) }, 'worker'],
    ['kind missing', started, { kind: undefined }, 'kind'],
    ['kind unknown', started, { kind: 'cancelled' }, 'kind'],
    ['next_attempt_at missing on a retry', retrying, { next_attempt_at: undefined }, 'next_attempt_at'],
    ['next_attempt_at a string on a retry', retrying, { next_attempt_at: '2024-01-01T00:00:01Z' }, 'next_attempt_at'],
    ['error missing on a retry', retrying, { error: undefined }, 'error'],
    ['error without a message on a retry', retrying, { error: { code: 'timeout', retryable: true } }, 'error'],
    ['progress missing', progressNumber, { progress: undefined }, 'progress'],
    ['progress null', progressNumber, { progress: null }, 'progress'],
    ['progress a string', progressNumber, { progress: '50%' }, 'progress'],
    ['started_at missing on a success', succeeded, { started_at: undefined }, 'started_at'],
    ['error missing', failed, { error: undefined }, 'error'],
    ['error without a code', failed, { error: { message: 'bad', retryable: false } }, 'error'],
    ['error without a message', failed, { error: { code: 'permanent', retryable: false } }, 'error'],
  ])('rejects an event with %s, naming the field', (_label, event, change, field) => {
    expect(reasonFor(body([{ ...event, ...change }]))).toContain(`field "${field}"`);
  });

  it.each([
    ['succeeded', succeeded],
    ['retrying', retrying],
    ['failed', failed],
  ])('accepts start_unreported on a %s event that carries started_at', (_kind, event) => {
    const unreported = { ...event, start_unreported: true };

    expect(decodeEvents(body([unreported]))).toEqual({ ok: true, value: [unreported] });
  });

  it.each<[string, JobEvent, unknown]>([
    ['false', succeeded, false],
    ['the string "true"', succeeded, 'true'],
    ['1', retrying, 1],
    ['null', failed, null],
  ])('rejects start_unreported that is %s, naming the field', (_label, event, value) => {
    expect(reasonFor(body([{ ...event, start_unreported: value }]))).toContain('field "start_unreported"');
  });

  it.each([
    ['retrying', retryingBeforeStart],
    ['failed', failedBeforeStart],
  ])('rejects start_unreported on a %s event without started_at, naming the field', (_kind, event) => {
    expect(reasonFor(body([{ ...event, start_unreported: true }]))).toContain('field "start_unreported"');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'soon'],
    ['not finite', Number.POSITIVE_INFINITY],
  ])('rejects start_unreported beside a started_at that is %s: the api would record the running step at it', (_label, startedAt) => {
    // JSON turns Infinity into null; the body is built by hand so that each value arrives as it is.
    const raw = Buffer.from(JSON.stringify([{ ...retryingBeforeStart, start_unreported: true, started_at: startedAt }]));
    expect(reasonFor(raw)).toContain('field "start_unreported"');
  });

  it('rejects the whole message when one event in it is malformed, naming its index', () => {
    expect(reasonFor(body([started, progressNumber, { ...succeeded, at: 'later' }]))).toBe(
      'event 2: field "at" must be epoch milliseconds',
    );
  });

  it("keeps an outcome's trace context and drops a malformed one rather than the outcome", () => {
    const trace = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    const decoded = decodeEvents(
      body([
        { ...succeeded, trace },
        { ...succeeded, trace: 'not a carrier' },
        { ...succeeded, trace: { a: 1 } },
      ]),
    );
    expect(decoded.ok).toBe(true);
    const events = decoded.ok ? decoded.value : [];
    expect(events.map((event) => ('trace' in event ? event.trace : undefined))).toEqual([trace, undefined, undefined]);
  });
});
