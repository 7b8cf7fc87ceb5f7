import { DeadLetterHeader, isUuid } from '@cask/contracts';
import type { ConsumeMessage } from 'amqplib';
import { v7 as uuidv7 } from 'uuid';
import { DEAD_LETTER_BODY_LIMIT, NewDeadLetter } from '../store/dead-letter-store';

/** Cask's own dead-letter headers: stored as the letter's fields, so left out of its headers. */
const OWN_HEADERS = new Set<string>([DeadLetterHeader.Reason, DeadLetterHeader.Detail, DeadLetterHeader.SourceQueue, DeadLetterHeader.At]);

/** Bytes of a letter's headers kept as JSON; a larger set is replaced by a note saying so. */
const HEADERS_LIMIT = 16 * 1024;

/** The first entry of RabbitMQ's `x-death` header: why the broker itself dead-lettered a message, and from where. */
function brokerDeath(headers: Record<string, unknown>): { reason?: string; queue?: string; at?: number } {
  const deaths = headers['x-death'];
  if (!Array.isArray(deaths) || deaths.length === 0) return {};
  const last = deaths[0] as { reason?: unknown; queue?: unknown; time?: unknown } | null;
  // amqplib gives an AMQP timestamp as `{ '!': 'timestamp', value: seconds }`.
  const time = (last?.time as { value?: unknown } | undefined)?.value;
  return {
    reason: typeof last?.reason === 'string' ? last.reason : undefined,
    queue: typeof last?.queue === 'string' ? last.queue : undefined,
    at: typeof time === 'number' ? time * 1000 : undefined,
  };
}

/** Header values as JSON can hold them: bytes as UTF-8 text, 64-bit integers as numbers or text. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (
    value &&
    typeof value === 'object' &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    return Buffer.from((value as { data: number[] }).data).toString('utf8');
  }
  return value;
}

function keptHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !OWN_HEADERS.has(name)));
  try {
    const json = JSON.stringify(kept, jsonSafe);
    if (Buffer.byteLength(json) <= HEADERS_LIMIT) return JSON.parse(json) as Record<string, unknown>;
    return { 'x-cask-note': `headers left out: ${Buffer.byteLength(json)} bytes of JSON, over ${HEADERS_LIMIT}` };
  } catch (err) {
    return { 'x-cask-note': `headers left out: ${(err as Error).message}` };
  }
}

/** The job a body is a message of, when it is a job envelope (format 1; a pack names several jobs, so none). */
function jobOf(body: Buffer): { id: string; type: string } | undefined {
  if (body.length > DEAD_LETTER_BODY_LIMIT) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { id?: unknown; type?: unknown } | null;
    if (typeof parsed?.id === 'string' && isUuid(parsed.id) && typeof parsed.type === 'string') {
      return { id: parsed.id, type: parsed.type };
    }
  } catch {
    // Not JSON: a letter with no job.
  }
  return undefined;
}

/**
 * The kept part of a body: as text when it is UTF-8 without NUL characters (which PostgreSQL's text cannot hold),
 * else as base64, so that no byte of a garbage message is lost or altered.
 */
function bodyOf(content: Buffer): { body: string; bodyEncoding: 'utf8' | 'base64' } {
  const kept = content.subarray(0, DEAD_LETTER_BODY_LIMIT);
  try {
    // `stream`: a character cut at the limit is left out rather than taken for bad UTF-8.
    const body = new TextDecoder('utf-8', { fatal: true }).decode(kept, { stream: kept.length < content.length });
    if (!body.includes('\u0000')) return { body, bodyEncoding: 'utf8' };
  } catch {
    // Not UTF-8.
  }
  return { body: kept.toString('base64'), bodyEncoding: 'base64' };
}

/** A header's text, NUL characters (which PostgreSQL's text cannot hold) replaced, cut at `max`. */
function text(value: unknown, max = 255): string | undefined {
  return typeof value === 'string' && value !== '' ? value.replaceAll('\u0000', '\ufffd').slice(0, max) : undefined;
}

/**
 * A dead-letter queue message as the store keeps it. Cask's publishers give the reason, detail, source and time
 * in headers; for a message the broker dead-lettered on its own (rejected, expired, over a length limit) they
 * come from its `x-death` header. Never throws, whatever the message holds.
 */
export function letterFromMessage(message: ConsumeMessage, now: number): NewDeadLetter {
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  const death = brokerDeath(headers);
  const reason = text(headers[DeadLetterHeader.Reason], 64) ?? text(death.reason, 64) ?? 'unknown';
  const sourceQueue = text(headers[DeadLetterHeader.SourceQueue]) ?? text(death.queue) ?? null;
  const at = headers[DeadLetterHeader.At];
  const job = jobOf(message.content);
  const messageId = text(message.properties.messageId);
  return {
    id: uuidv7(),
    messageId: messageId ?? null,
    reason,
    detail: text(headers[DeadLetterHeader.Detail], 2000) ?? (death.reason ? `dead-lettered by the broker (${reason})` : ''),
    sourceQueue,
    jobId: job?.id ?? null,
    type: text(job?.type) ?? text(message.properties.type) ?? null,
    ...bodyOf(message.content),
    bodyBytes: message.content.length,
    headers: keptHeaders(headers),
    deadLetteredAt: typeof at === 'number' && Number.isFinite(at) ? at : (death.at ?? now),
    storedAt: now,
  };
}
