import { WorkerHeartbeat, decodeHeartbeat, encodeHeartbeat } from './worker-heartbeat';

const beat: WorkerHeartbeat = {
  worker_id: 'video-1',
  host: 'box-a',
  pid: 4242,
  queues: ['video'],
  concurrency: 4,
  in_flight: 2,
  started_at: 1_700_000_000_000,
  at: 1_700_000_005_000,
};

/** The reason a body was rejected; fails the test if it was accepted. */
function reasonFor(value: unknown): string {
  const decoded = decodeHeartbeat(Buffer.from(JSON.stringify(value)));
  if (decoded.ok) throw new Error(`expected the heartbeat to be rejected, got ${JSON.stringify(decoded.value)}`);
  expect(decoded.code).toBe('malformed');
  return decoded.reason;
}

describe('worker heartbeat wire format', () => {
  it('reads back what was written', () => {
    expect(decodeHeartbeat(encodeHeartbeat(beat))).toEqual({ ok: true, value: beat });
  });

  it('keeps the goodbye flag, and only when it is set', () => {
    expect(decodeHeartbeat(encodeHeartbeat({ ...beat, stopping: true }))).toEqual({ ok: true, value: { ...beat, stopping: true } });
    expect(decodeHeartbeat(encodeHeartbeat({ ...beat, stopping: false }))).toEqual({ ok: true, value: beat });
  });

  it('keeps the message formats a worker reads, absent for an older worker, and refuses a bad list', () => {
    const newer = decodeHeartbeat(encodeHeartbeat({ ...beat, formats: [1, 2] }));
    expect(newer.ok && newer.value.formats).toEqual([1, 2]);
    const older = decodeHeartbeat(encodeHeartbeat(beat));
    expect(older.ok && 'formats' in older.value).toBe(false);
    expect(reasonFor({ ...beat, formats: ['2'] })).toBe('field "formats" must be an array of format numbers');
  });

  it('drops fields it does not know', () => {
    expect(decodeHeartbeat(Buffer.from(JSON.stringify({ ...beat, secret: 'x' })))).toEqual({ ok: true, value: beat });
  });

  it('rejects what is not a JSON object', () => {
    expect(decodeHeartbeat(Buffer.from('{'))).toMatchObject({ ok: false, reason: 'body is not valid JSON' });
    expect(reasonFor([beat])).toBe('body is not a JSON object');
  });

  it.each([
    [{ worker_id: '' }, 'field "worker_id" must be a string of 1 to 200 characters'],
    [{ host: 7 }, 'field "host" must be a string of 1 to 200 characters'],
    [{ pid: -1 }, 'field "pid" must be a non-negative integer'],
    [{ queues: 'video' }, 'field "queues" must be an array of queue names'],
    [{ queues: ['video', 3] }, 'field "queues" must be an array of queue names'],
    [{ in_flight: 1.5 }, 'field "in_flight" must be a non-negative integer'],
    [{ at: 'now' }, 'field "at" must be a non-negative integer'],
    [{ stopping: 'yes' }, 'field "stopping" must be a boolean'],
  ])('rejects %p', (change, reason) => {
    expect(reasonFor({ ...beat, ...change })).toBe(reason);
  });
});
