import { Decoded, malformed, parseJson } from './envelope';

/**
 * A start token of a rate-limited job type, as the api issues it into `ns.tokens.<type>`: the type it is for and
 * when it was issued. Signed like every other message when signing keys are set, so that a broker account that
 * may only publish cannot add tokens and so exceed a type's rate.
 */
export interface RateToken {
  type: string;
  /** When it was issued, epoch milliseconds. */
  at: number;
}

export function encodeRateToken(token: RateToken): Buffer {
  return Buffer.from(JSON.stringify(token));
}

/** Parses a token; never throws. */
export function decodeRateToken(body: Buffer): Decoded<RateToken> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const t = parsed.value as Partial<Record<keyof RateToken, unknown>> | null;
  if (typeof t !== 'object' || t === null || typeof t.type !== 'string') return malformed('field "type" must be a job type');
  if (!Number.isFinite(t.at)) return malformed('field "at" must be epoch milliseconds');
  return { ok: true, value: { type: t.type, at: t.at as number } };
}
