import { Injectable, Logger } from '@nestjs/common';
import { JobCanceller, NotCancellableError } from '../dispatcher/job-canceller';
import { FlowInfo, FlowNodeInfo, FlowStore } from '../store/flow-store';

/** Statuses of a job that has not run yet (or is between attempts): what cancelling a flow cancels. */
const UNRUN = new Set(['waiting', 'queued', 'scheduled', 'retrying']);

/** What cancelling a flow did. */
export interface CancelledFlow {
  /** The jobs cancelled. */
  cancelled: string[];
  /** Jobs running when it was cancelled: they finish their attempt, and their children do not run. */
  running: string[];
}

/** Each job's depth below the flow's first jobs: the longest chain of parents above it. */
function depths(nodes: readonly FlowNodeInfo[]): Map<string, number> {
  const byId = new Map(nodes.map((node) => [node.jobId, node]));
  const depth = new Map<string, number>();
  const of = (node: FlowNodeInfo): number => {
    const known = depth.get(node.jobId);
    if (known !== undefined) return known;
    const parents = node.parents.map((parent) => byId.get(parent.jobId)).filter((parent) => parent !== undefined);
    const value = parents.length === 0 ? 0 : 1 + Math.max(...parents.map(of));
    depth.set(node.jobId, value);
    return value;
  };
  nodes.forEach(of);
  return depth;
}

/**
 * Cancels what of a flow has not run: waiting, queued and scheduled jobs, and jobs waiting between attempts.
 * Children go before their parents, so no parent's cancel lets a `continue` child go on the way. A running job
 * finishes its attempt (its children, cancelled, do not run after it).
 */
@Injectable()
export class FlowCanceller {
  private readonly logger = new Logger(FlowCanceller.name);

  constructor(
    private readonly store: FlowStore,
    private readonly jobs: JobCanceller,
  ) {}

  /** The flow as it is after the cancel, with what was cancelled; undefined if the tenant has no such flow. */
  async cancel(flowId: string, tenant: string): Promise<{ flow: FlowInfo; outcome: CancelledFlow } | undefined> {
    const flow = await this.store.getFlow(flowId);
    if (flow?.tenant !== tenant) return undefined;
    const depth = depths(flow.nodes);
    const order = [...flow.nodes].sort((a, b) => (depth.get(b.jobId) as number) - (depth.get(a.jobId) as number));
    const outcome: CancelledFlow = { cancelled: [], running: [] };
    for (const node of order) {
      if (node.status === 'running') outcome.running.push(node.jobId);
      if (!UNRUN.has(node.status)) continue;
      try {
        if (await this.jobs.cancel(node.jobId, tenant)) outcome.cancelled.push(node.jobId);
      } catch (err) {
        // It finished (or started and finished) since the flow was read.
        if (!(err instanceof NotCancellableError)) throw err;
      }
    }
    this.logger.log(`Flow ${flowId}: cancelled ${outcome.cancelled.length} job(s); ${outcome.running.length} running left to finish`);
    return { flow: (await this.store.getFlow(flowId)) as FlowInfo, outcome };
  }
}
