import { encodeEnvelope, JobEnvelope } from './envelope';
import { MAX_PACK_JOBS, decodeJobMessage, encodePack } from './job-pack';

const envelope = (id: string, overrides: Partial<JobEnvelope> = {}): JobEnvelope => ({
  v: 1,
  id,
  type: 'demo.flaky',
  payload: { fail_times: 0 },
  attempt: 1,
  series: 1,
  max_attempts: 3,
  backoff: { type: 'exponential', base_ms: 1000, cap_ms: 60000, jitter: 0.2 },
  timeout_ms: 30000,
  created_at: 1,
  ...overrides,
});
const ID_A = '01900000-0000-7000-8000-00000000000a';
const ID_B = '01900000-0000-7000-8000-00000000000b';

describe('job packs', () => {
  it('reads a format-1 message as one job, and a pack as its jobs, in order', () => {
    const single = decodeJobMessage(encodeEnvelope(envelope(ID_A)));
    expect(single.ok && single.value.packed).toBe(false);
    expect(single.ok && single.value.entries.map((entry) => entry.decoded.ok && entry.decoded.value.id)).toEqual([ID_A]);

    const pack = decodeJobMessage(encodePack([encodeEnvelope(envelope(ID_A)), JSON.stringify(envelope(ID_B))]));
    expect(pack.ok && pack.value.packed).toBe(true);
    expect(pack.ok && pack.value.entries.map((entry) => entry.decoded.ok && entry.decoded.value.id)).toEqual([ID_A, ID_B]);
  });

  it('reports a bad entry in its place, so the others still run, and its body on its own', () => {
    const pack = decodeJobMessage(encodePack([encodeEnvelope(envelope(ID_A)), JSON.stringify({ ...envelope(ID_B), attempt: 0 })]));
    if (!pack.ok) throw new Error('the pack itself is well formed');
    expect(pack.value.entries.map((entry) => entry.decoded.ok)).toEqual([true, false]);
    expect(pack.value.entries[1].decoded).toMatchObject({ ok: false, reason: 'field "attempt" must be a positive integer' });
    expect(JSON.parse(pack.value.entries[1].body.toString())).toMatchObject({ id: ID_B, attempt: 0 });
  });

  it('refuses a message that is not JSON, of no known version, or a pack without jobs or with too many', () => {
    expect(decodeJobMessage(Buffer.from('nope'))).toMatchObject({ ok: false, reason: 'body is not valid JSON' });
    expect(decodeJobMessage(Buffer.from('[1]'))).toMatchObject({ ok: false, reason: 'body is not a JSON object' });
    const unknown = decodeJobMessage(Buffer.from('{"v":3}'));
    expect(unknown.ok && unknown.value.entries[0].decoded).toMatchObject({ ok: false, reason: 'field "v" must be 1' });
    expect(decodeJobMessage(Buffer.from('{"v":2,"jobs":[]}'))).toMatchObject({
      ok: false,
      reason: 'field "jobs" must be a non-empty array',
    });
    const tooMany = encodePack(Array.from({ length: MAX_PACK_JOBS + 1 }, () => encodeEnvelope(envelope(ID_A))));
    expect(decodeJobMessage(tooMany)).toMatchObject({ ok: false, reason: `field "jobs" holds more than ${MAX_PACK_JOBS} jobs` });
  });
});
