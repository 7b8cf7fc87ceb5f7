import type { JobStatus } from '@cask/contracts';
import type { JobTransition } from '../store/job-record';

/** Where a status falls within one attempt. */
const RANK: Record<JobStatus, number> = {
  waiting: 0,
  scheduled: 0,
  queued: 1,
  running: 2,
  retrying: 3,
  succeeded: 4,
  failed: 4,
  cancelled: 4,
};
const TERMINAL_RANK = 4;

const EVENT_ID = /^(\d{1,9})\.(\d{1,9})\.([0-4])$/;

/**
 * Where a status change falls in a job's life, written `<series>.<attempt>.<rank>` (rank: waiting or scheduled 0,
 * queued 1, running 2, retrying 3, terminal 4). Unique per job, because the store records each of these
 * at most once, and computed from the stored transition alone, so every api instance gives a change
 * the same id.
 */
export interface EventId {
  series: number;
  attempt: number;
  rank: number;
}

export function transitionEventId(transition: Pick<JobTransition, 'series' | 'attempt' | 'status'>): EventId {
  return { series: transition.series, attempt: transition.attempt, rank: RANK[transition.status] };
}

export function formatEventId(id: EventId): string {
  return `${id.series}.${id.attempt}.${id.rank}`;
}

/** Reads a `Last-Event-ID`; undefined if it is not an id this api writes. */
export function parseEventId(text: string): EventId | undefined {
  const match = EVENT_ID.exec(text.trim());
  return match ? { series: Number(match[1]), attempt: Number(match[2]), rank: Number(match[3]) } : undefined;
}

/**
 * The order in which the store commits a job's changes. A terminal status closes its series whatever
 * attempt it names (a late outcome of an earlier attempt can settle a job after a later attempt
 * started), so it sorts after every other change of that series; the next series starts only after it.
 */
export function compareEventIds(a: EventId, b: EventId): number {
  return a.series - b.series || terminal(a) - terminal(b) || a.attempt - b.attempt || a.rank - b.rank;
}

/** Transitions in {@link compareEventIds} order; same-id duplicates (none expected) by time. */
export function inEventOrder(transitions: readonly JobTransition[]): JobTransition[] {
  return [...transitions].sort((a, b) => compareEventIds(transitionEventId(a), transitionEventId(b)) || a.at - b.at);
}

export function isTerminalEventId(id: EventId): boolean {
  return id.rank === TERMINAL_RANK;
}

function terminal(id: EventId): number {
  return isTerminalEventId(id) ? 1 : 0;
}
