import { CancelCommand, ControlCommand, QueueCommand, SyncCommand, decodeControl, encodeControl } from './control-command';

const JOB_ID = '0190b6a4-3c3e-7b6a-9f1e-2d3c4b5a6978';
const AT = 1_700_000_000_000;

const cancel: CancelCommand = { kind: 'cancel', job_id: JOB_ID, series: 2, at: AT };
const sync: SyncCommand = { kind: 'sync', token: 'f3b7c1e2-worker-1' };
const pause: QueueCommand = { kind: 'pause', queue: 'video', at: AT };
const resume: QueueCommand = { kind: 'resume', queue: 'video', at: AT + 1 };

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

/** The reason a body was rejected; fails the test if it was accepted. */
function reasonFor(raw: Buffer): string {
  const decoded = decodeControl(raw);
  if (decoded.ok) throw new Error(`expected the body to be rejected, got ${JSON.stringify(decoded.value)}`);
  expect(decoded.code).toBe('malformed');
  return decoded.reason;
}

describe('decodeControl', () => {
  it.each<[string, ControlCommand]>([
    ['cancel', cancel],
    ['sync', sync],
    ['pause', pause],
    ['resume', resume],
  ])('gives back the %s command encodeControl wrote', (_kind, command) => {
    expect(decodeControl(encodeControl(command))).toEqual({ ok: true, value: command });
  });

  it('accepts the first series', () => {
    expect(decodeControl(body({ ...cancel, series: 1 }))).toEqual({ ok: true, value: { ...cancel, series: 1 } });
  });

  it('keeps only the fields of the command, dropping unknown ones', () => {
    expect(decodeControl(body({ ...cancel, reason: 'user asked', extra: { a: 1 } }))).toEqual({ ok: true, value: cancel });
    expect(decodeControl(body({ ...sync, job_id: JOB_ID }))).toEqual({ ok: true, value: sync });
  });

  it('dates a cancel command without a usable time at reading time, so it is not pruned at once', () => {
    const before = Date.now();
    const missing = decodeControl(body({ ...cancel, at: undefined }));
    const garbled = decodeControl(body({ ...cancel, at: 'yesterday' }));
    const after = Date.now();

    for (const decoded of [missing, garbled]) {
      if (!decoded.ok || decoded.value.kind !== 'cancel') throw new Error(`expected a cancel command, got ${JSON.stringify(decoded)}`);
      expect(decoded.value.at).toBeGreaterThanOrEqual(before);
      expect(decoded.value.at).toBeLessThanOrEqual(after);
    }
  });

  it.each([
    ['queue missing', { ...pause, queue: undefined }, 'field "queue" must be a queue name'],
    ['queue empty', { ...pause, queue: '' }, 'field "queue" must be a queue name'],
    ['at missing', { ...resume, at: undefined }, 'field "at" must be a time in epoch ms'],
    ['at a string', { ...resume, at: 'now' }, 'field "at" must be a time in epoch ms'],
  ])('rejects a queue command with %s, naming the field', (_label, value, reason) => {
    expect(reasonFor(body(value))).toBe(reason);
  });

  it('rejects a body that is not JSON', () => {
    expect(reasonFor(Buffer.from('{"kind":"cancel",'))).toBe('body is not valid JSON');
    expect(reasonFor(Buffer.alloc(0))).toBe('body is not valid JSON');
  });

  it.each([
    ['null', null],
    ['a string', 'cancel'],
    ['a number', 7],
  ])('rejects JSON that is %s rather than an object', (_label, value) => {
    expect(reasonFor(body(value))).toBe('body is not a JSON object');
  });

  it('rejects an array of commands', () => {
    expect(decodeControl(body([cancel])).ok).toBe(false);
  });

  it.each([
    ['kind missing', { ...cancel, kind: undefined }],
    ['an unknown kind', { ...cancel, kind: 'halt' }],
    ['kind in another case', { ...cancel, kind: 'Cancel' }],
  ])('rejects a command with %s, naming the field', (_label, value) => {
    expect(reasonFor(body(value))).toBe('field "kind" must be cancel, sync, pause or resume');
  });

  it.each([
    ['job_id missing', { ...cancel, job_id: undefined }, 'field "job_id" must be a UUID'],
    ['job_id not a UUID', { ...cancel, job_id: 'job-1' }, 'field "job_id" must be a UUID'],
    ['series missing', { ...cancel, series: undefined }, 'field "series" must be a positive integer'],
    ['series 0', { ...cancel, series: 0 }, 'field "series" must be a positive integer'],
    ['series 1.5', { ...cancel, series: 1.5 }, 'field "series" must be a positive integer'],
    ['series a string', { ...cancel, series: '2' }, 'field "series" must be a positive integer'],
  ])('rejects a cancel command with %s', (_label, value, reason) => {
    expect(reasonFor(body(value))).toBe(reason);
  });

  it.each([
    ['token missing', { kind: 'sync' }],
    ['token a number', { kind: 'sync', token: 42 }],
  ])('rejects a sync command with %s', (_label, value) => {
    expect(reasonFor(body(value))).toBe('field "token" must be a string');
  });
});
