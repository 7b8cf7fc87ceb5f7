import { Decoded, JobEnvelope, checkEnvelope, malformed, parseJson } from './envelope';

/**
 * Message format 2: several jobs of one queue and priority in one message, `{"v":2,"jobs":[<envelope>, ...]}`,
 * each entry a whole format-1 envelope. The broker's cost is per message, so a pack of ten costs about what one
 * job does; the worker runs each job on its own and acks the message once every job has a confirmed outcome.
 * Format 1 (one envelope, `"v":1`) is still read, and still what a lone job travels as.
 */
export const PACK_FORMAT = 2;

/** At most this many jobs in one message: what a worker may have to re-run after a crash, and a body bound. */
export const MAX_PACK_JOBS = 50;

/** One job of a message as read: its envelope when it is well formed, why not otherwise, and its JSON either way. */
export interface PackEntry {
  /** The entry as it came, re-encoded on its own when it must travel alone (a dead letter, a split). */
  body: Buffer;
  decoded: Decoded<JobEnvelope>;
}

/** A job message read: the jobs it carries, each checked on its own, and whether it was a pack. */
export interface JobMessage {
  packed: boolean;
  entries: PackEntry[];
}

/** The body of a pack, from envelopes already encoded as format 1 (so a stored body is never parsed again). */
export function encodePack(bodies: readonly (Buffer | string)[]): Buffer {
  return Buffer.from(`{"v":${PACK_FORMAT},"jobs":[${bodies.map(String).join(',')}]}`);
}

/**
 * Reads a job message of either format. The message as a whole is malformed only when it is not JSON, has
 * no known version, or is a pack without jobs or with too many; a bad entry of a pack is reported in its
 * entry, so the others still run. Never throws.
 */
export function decodeJobMessage(body: Buffer): Decoded<JobMessage> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const value = parsed.value as { v?: unknown; jobs?: unknown } | null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return malformed('body is not a JSON object');
  if (value.v !== PACK_FORMAT) return { ok: true, value: { packed: false, entries: [{ body, decoded: checkEnvelope(value) }] } };
  if (!Array.isArray(value.jobs) || value.jobs.length === 0) return malformed('field "jobs" must be a non-empty array');
  if (value.jobs.length > MAX_PACK_JOBS) return malformed(`field "jobs" holds more than ${MAX_PACK_JOBS} jobs`);
  const entries = value.jobs.map((entry: unknown): PackEntry => {
    // Re-encoded only if the entry must travel alone (a dead letter, a hand-back): not on the path of every job.
    let body: Buffer | undefined;
    return {
      get body() {
        body ??= Buffer.from(JSON.stringify(entry));
        return body;
      },
      decoded: checkEnvelope(entry),
    };
  });
  return { ok: true, value: { packed: true, entries } };
}
