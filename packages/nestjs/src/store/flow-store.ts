import type { BatchCounts, JobError, JobStatus, OnParentFailure, ParentOutcomeWire } from '@cask/contracts';
import type { JobRecord, NewJob, OutboxMessage } from './job-record';

/** One job of a new flow. */
export interface FlowNodeWrite {
  /** Its key in the flow. */
  key: string;
  /** `waiting` when it has parents, else `queued` (or `scheduled`) with its message. */
  job: NewJob;
  /** The first attempt's message of a job without parents; a waiting job's is built when its parents let it go. */
  message?: OutboxMessage;
  parents: ReadonlyArray<{ jobId: string; onFailure: OnParentFailure }>;
  /** A batch's callback: it reads its parents' counts, not their outcomes. */
  callback?: boolean;
}

/** A flow as dispatch writes it: every job, with its edges, in one transaction. */
export interface NewFlow {
  id: string;
  tenant: string;
  /** `batch`: a batch with a callback. */
  kind: 'flow' | 'batch';
  createdAt: number;
  nodes: readonly FlowNodeWrite[];
}

/** What a released job's message carries of its parents. */
export interface ReleaseInputs {
  parents?: Record<string, ParentOutcomeWire>;
  batch?: BatchCounts;
}

/** Builds the message of a job its parents let go, from the job as it now is (`queued`). */
export type FlowMessage = (job: JobRecord, inputs: ReleaseInputs) => OutboxMessage;

/** What one pass over a flow did. */
export interface FlowPass {
  /** Jobs let go, with their messages (in the outbox, or in their groups for grouped jobs). */
  released: Array<{ job: JobRecord; message: OutboxMessage }>;
  /** Jobs failed without running (`parent_failed`), as they now are. */
  settled: JobRecord[];
}

/** A job of a flow as `GET /flows/:id` shows it. */
export interface FlowNodeInfo {
  key: string;
  jobId: string;
  type: string;
  status: JobStatus;
  callback: boolean;
  error: JobError | null;
  startedAt: number | null;
  finishedAt: number | null;
  parents: Array<{ key: string; jobId: string; onFailure: OnParentFailure }>;
}

export interface FlowInfo {
  id: string;
  tenant: string;
  kind: 'flow' | 'batch';
  createdAt: number;
  /** In the order they were dispatched. */
  nodes: FlowNodeInfo[];
}

/**
 * Flows: jobs that wait for others (see `AsyncDispatcher.dispatchFlow`). A job with parents is stored `waiting`
 * without a message; a pass over its flow, once every parent has finished, fails it (a `fail` edge's parent did
 * not succeed) or builds its message with its parents' outcomes and lets it go, in one transaction.
 */
export abstract class FlowStore {
  /** Commits a flow: its jobs, the messages of those without parents, its edges. All or none. */
  abstract createFlow(flow: NewFlow): Promise<void>;

  /**
   * Settles or lets go every job of the flow whose parents have all finished, and again for what that settled,
   * in one transaction (one pass per flow at a time, across api instances).
   */
  abstract releaseFlow(flowId: string, now: number, message: FlowMessage): Promise<FlowPass>;

  /** Flows in which any of these jobs is the parent of a job that may be waiting. */
  abstract flowsAfter(jobIds: readonly string[]): Promise<string[]>;

  /** Flows with a waiting job whose parents have all finished: what a lost pass left behind. */
  abstract readyFlows(limit: number): Promise<string[]>;

  /** Whether any job of any flow waits for its parents. */
  abstract anyFlowWaiting(): Promise<boolean>;

  abstract getFlow(flowId: string): Promise<FlowInfo | undefined>;
}
