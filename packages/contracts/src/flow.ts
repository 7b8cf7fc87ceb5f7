import type { JobError } from './errors';

/**
 * What a flow job does when a parent does not succeed (fails or is cancelled), per edge: `fail` (the child
 * fails with `parent_failed` without running, and so do its own `fail` children), `continue` (the child runs,
 * reading the parent's failure in `ctx.parents`), `ignore` (the child runs as if that parent were not there:
 * a parent that did not succeed is left out of `ctx.parents`).
 */
export const PARENT_FAILURE_POLICIES = ['fail', 'continue', 'ignore'] as const;

export type OnParentFailure = (typeof PARENT_FAILURE_POLICIES)[number];

/** Most jobs one flow holds. */
export const MAX_FLOW_NODES = 500;

/** Most parents one flow job has. */
export const MAX_FLOW_PARENTS = 50;

/** What a node's key may be: it names the job within its flow and in `ctx.parents`. */
export const FLOW_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** A finished parent as the envelope carries it (`parents` in format 1, keyed by the parent's key in its flow). */
export interface ParentOutcomeWire {
  job_id: string;
  type: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  /** The parent's result when it succeeded, else null. */
  result: unknown;
  /** Why it did not succeed, else null. */
  error: JobError | null;
}

/** A finished parent as its child's handler reads it (`ctx.parents[key]`). */
export interface ParentOutcome<R = unknown> {
  jobId: string;
  type: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  result: R | null;
  error: JobError | null;
}

/** What a batch's callback job reads of its batch (`ctx.batch`): every job of it is finished. */
export interface BatchCounts {
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** The envelope's parents as `ctx.parents`. */
export function parentsFromWire(wire: Readonly<Record<string, ParentOutcomeWire>> | undefined): Record<string, ParentOutcome> {
  const parents: Record<string, ParentOutcome> = {};
  for (const [key, parent] of Object.entries(wire ?? {})) {
    parents[key] = { jobId: parent.job_id, type: parent.type, status: parent.status, result: parent.result ?? null, error: parent.error };
  }
  return parents;
}
