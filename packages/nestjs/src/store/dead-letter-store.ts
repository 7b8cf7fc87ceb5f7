import type { JobStatus } from '@cask/contracts';

/** A message no process could handle, as the api stored it off the broker's dead-letter queue. */
export interface DeadLetter {
  id: string;
  /** Its AMQP message id; a letter read twice is stored once. */
  messageId: string | null;
  /** Why: `exhausted`, `poison`, `malformed`, `unknown_type`, `unauthentic`, `store_rejected`, or the broker's reason. */
  reason: string;
  detail: string;
  /** The queue it was taken from. */
  sourceQueue: string | null;
  /** The job it is a message of, when its body is a job envelope. */
  jobId: string | null;
  type: string | null;
  /** The body cut at {@link DEAD_LETTER_BODY_LIMIT} bytes: as text, or base64 when it is not UTF-8 text. */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  /** The body's whole size. */
  bodyBytes: number;
  headers: Record<string, unknown>;
  deadLetteredAt: number;
  storedAt: number;
  /** Its job's status now; null when the store holds no such job. */
  jobStatus: JobStatus | null;
}

/** A letter to store; its id is given by the caller (time-ordered, like job ids). */
export type NewDeadLetter = Omit<DeadLetter, 'jobStatus'>;

/** Which letters a list or a bulk action takes; every field narrows it. */
export interface DeadLetterFilter {
  reason?: string;
  type?: string;
  sourceQueue?: string;
  jobId?: string;
}

export interface DeadLetterQuery extends DeadLetterFilter {
  /** Letters older than this id (the last of the previous page). */
  beforeId?: string;
  limit: number;
}

/** Bytes of a letter's body kept; the rest is cut (its size is kept). */
export const DEAD_LETTER_BODY_LIMIT = 256 * 1024;

/** Stored dead letters, newest first. Implementations pass `dead-letter-store.spec.ts` on both databases. */
export abstract class DeadLetterStore {
  /** Stores letters, skipping any whose message id is stored already; returns how many were new. */
  abstract add(letters: readonly NewDeadLetter[]): Promise<number>;

  abstract get(id: string): Promise<DeadLetter | undefined>;

  /** Matching letters, newest first. */
  abstract list(query: DeadLetterQuery): Promise<DeadLetter[]>;

  /** How many letters are stored, per reason. */
  abstract countByReason(): Promise<Map<string, number>>;

  /** Deletes these letters; returns how many there were. */
  abstract remove(ids: readonly string[]): Promise<number>;

  /** Deletes every letter matching the filter (all of them for an empty one); returns how many. */
  abstract removeMatching(filter: DeadLetterFilter): Promise<number>;

  /** Deletes up to `limit` letters dead-lettered before `before` (retention); returns how many. */
  abstract purgeBefore(before: number, limit: number): Promise<number>;
}
