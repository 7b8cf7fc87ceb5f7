import { BatchCounts, ErrorCode, JobError, OnParentFailure, ParentOutcomeWire, TERMINAL_STATUSES } from '@cask/contracts';
import { type Kysely, type Selectable, type Transaction, sql } from 'kysely';
import type { CaskDatabase } from './cask-database';
import { FlowInfo, FlowMessage, FlowPass, FlowStore, NewFlow, ReleaseInputs } from './flow-store';
import { groupJobRow, groupRow, upsertGroups } from './group-rows';
import type { JobRecord, OutboxMessage } from './job-record';
import { jobRow, outboxRow, parseJson, toRecord } from './job-rows';
import { queueMessage } from './job-writes';
import type { Database, JobsTable } from './schema';

const TERMINAL: readonly string[] = TERMINAL_STATUSES;
/** Rows per insert and ids per `IN (...)`: under both databases' parameter limits. */
const CHUNK = 200;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A parent as a pass reads it; `status` null for a parent purged since it finished. */
interface ParentRow {
  child_id: string;
  on_failure: string;
  parent_id: string;
  key: string | null;
  type: string | null;
  status: string | null;
  result: string | null;
  error: string | null;
}

/** Flows over Kysely. */
export class KyselyFlowStore extends FlowStore {
  constructor(private readonly database: CaskDatabase) {
    super();
  }

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  override async createFlow(flow: NewFlow): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('flows').values({ id: flow.id, tenant: flow.tenant, kind: flow.kind, created_at: flow.createdAt }).execute();
      for (const part of chunks(flow.nodes)) {
        await trx
          .insertInto('jobs')
          .values(part.map(({ job }) => jobRow({ ...job, flowId: flow.id })))
          .execute();
        await trx
          .insertInto('flow_nodes')
          .values(
            part.map((node) => ({
              job_id: node.job.id,
              flow_id: flow.id,
              key: node.key,
              waiting: node.message ? 0 : 1,
              callback: node.callback ? 1 : 0,
            })),
          )
          .execute();
        const free = part.filter((node) => node.message && !node.job.group);
        if (free.length > 0) {
          await trx
            .insertInto('outbox')
            .values(free.map((node) => outboxRow(node.message as OutboxMessage)))
            .execute();
        }
        // A grouped job's group exists from its dispatch, with its definition's limits, whenever it is let go.
        const grouped = part.filter((node) => node.job.group);
        if (grouped.length > 0)
          await upsertGroups(
            trx,
            grouped.map(({ job }) => groupRow(job)),
          ).execute();
        const held = grouped.filter((node) => node.message);
        if (held.length > 0) {
          await trx
            .insertInto('group_jobs')
            .values(held.map((node) => groupJobRow(node.job, node.message as OutboxMessage)))
            .execute();
        }
      }
      const edges = flow.nodes.flatMap((node) =>
        node.parents.map((parent) => ({ flow_id: flow.id, child_id: node.job.id, parent_id: parent.jobId, on_failure: parent.onFailure })),
      );
      for (const part of chunks(edges, 500)) await trx.insertInto('flow_edges').values(part).execute();
    });
  }

  override releaseFlow(flowId: string, now: number, message: FlowMessage): Promise<FlowPass> {
    return this.db.transaction().execute(async (trx) => {
      // One pass per flow at a time across api instances: two passes would let a job go twice.
      if (this.database.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`cask.flows:${flowId}`}))`.execute(trx);
      const pass: FlowPass = { released: [], settled: [] };
      // Each round settles what the last one finished: a failure runs down `fail` edges one level per round.
      for (;;) {
        const ready = await readyJobs(trx, flowId);
        if (ready.length === 0) break;
        const outcomes = await parentsOf(
          trx,
          ready.filter((job) => !job.callback).map((job) => job.record.id),
        );
        for (const { record, callback } of ready) {
          if (callback) {
            await letGo(trx, pass, record, { batch: await batchCounts(trx, record.id) }, now, message);
            continue;
          }
          const parents = outcomes.get(record.id) ?? [];
          const blocking = parents.find((parent) => parent.on_failure === 'fail' && parent.status !== 'succeeded');
          if (blocking) await settle(trx, pass, record, blocking, now);
          else await letGo(trx, pass, record, { parents: parentInputs(parents) }, now, message);
        }
      }
      // Jobs cancelled while they waited stop counting as waiting.
      await trx
        .updateTable('flow_nodes')
        .set({ waiting: 0 })
        .where('flow_id', '=', flowId)
        .where('waiting', '=', 1)
        .where('job_id', 'in', (eb) => eb.selectFrom('jobs').select('id').where('flow_id', '=', flowId).where('status', '!=', 'waiting'))
        .execute();
      return pass;
    });
  }

  override async flowsAfter(jobIds: readonly string[]): Promise<string[]> {
    const flows = new Set<string>();
    for (const part of chunks(jobIds, 500)) {
      const rows = await this.db
        .selectFrom('flow_edges as e')
        .innerJoin('flow_nodes as n', 'n.job_id', 'e.child_id')
        .select('e.flow_id')
        .distinct()
        .where('e.parent_id', 'in', part)
        .where('n.waiting', '=', 1)
        .execute();
      for (const row of rows) flows.add(row.flow_id);
    }
    return [...flows];
  }

  override async readyFlows(limit: number): Promise<string[]> {
    const rows = await readyNodes(this.db).select('n.flow_id').distinct().limit(limit).execute();
    return rows.map((row) => row.flow_id);
  }

  override async anyFlowWaiting(): Promise<boolean> {
    const row = await this.db.selectFrom('flow_nodes').select('job_id').where('waiting', '=', 1).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  override async getFlow(flowId: string): Promise<FlowInfo | undefined> {
    const flow = await this.db.selectFrom('flows').selectAll().where('id', '=', flowId).executeTakeFirst();
    if (!flow) return undefined;
    const nodes = await this.db
      .selectFrom('flow_nodes as n')
      .innerJoin('jobs as j', 'j.id', 'n.job_id')
      .select(['n.job_id', 'n.key', 'n.callback', 'j.type', 'j.status', 'j.error', 'j.started_at', 'j.finished_at'])
      .where('n.flow_id', '=', flowId)
      .orderBy('n.job_id')
      .execute();
    const edges = await this.db
      .selectFrom('flow_edges')
      .select(['child_id', 'parent_id', 'on_failure'])
      .where('flow_id', '=', flowId)
      .orderBy('child_id')
      .orderBy('parent_id')
      .execute();
    const keys = new Map(nodes.map((node) => [node.job_id, node.key]));
    const parents = new Map<string, FlowInfo['nodes'][number]['parents']>();
    for (const edge of edges) {
      const list = parents.get(edge.child_id) ?? parents.set(edge.child_id, []).get(edge.child_id)!;
      list.push({ key: keys.get(edge.parent_id) ?? edge.parent_id, jobId: edge.parent_id, onFailure: edge.on_failure as OnParentFailure });
    }
    return {
      id: flow.id,
      tenant: flow.tenant,
      kind: flow.kind === 'batch' ? 'batch' : 'flow',
      createdAt: Number(flow.created_at),
      nodes: nodes.map((node) => ({
        key: node.key,
        jobId: node.job_id,
        type: node.type,
        status: node.status as FlowInfo['nodes'][number]['status'],
        callback: Number(node.callback) === 1,
        error: parseJson<JobError>(node.error),
        startedAt: node.started_at === null ? null : Number(node.started_at),
        finishedAt: node.finished_at === null ? null : Number(node.finished_at),
        parents: parents.get(node.job_id) ?? [],
      })),
    };
  }
}

/** Flow jobs (`n`, with their job rows `c`) still waiting whose parents have all finished (a purged parent has). */
function readyNodes(db: Kysely<Database> | Transaction<Database>) {
  return db
    .selectFrom('flow_nodes as n')
    .innerJoin('jobs as c', 'c.id', 'n.job_id')
    .where('n.waiting', '=', 1)
    .where('c.status', '=', 'waiting')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('flow_edges as e')
            .innerJoin('jobs as p', 'p.id', 'e.parent_id')
            .select('e.parent_id')
            .whereRef('e.child_id', '=', 'n.job_id')
            .where('p.status', 'not in', TERMINAL),
        ),
      ),
    );
}

/** The flow's waiting jobs whose parents have all finished (a purged parent has). */
async function readyJobs(trx: Transaction<Database>, flowId: string): Promise<Array<{ record: JobRecord; callback: boolean }>> {
  const rows = await readyNodes(trx).selectAll('c').select('n.callback').where('n.flow_id', '=', flowId).orderBy('c.id').execute();
  return rows.map((row) => ({ record: toRecord(row as Selectable<JobsTable>), callback: Number(row.callback) === 1 }));
}

/** The parents of these jobs with their outcomes, by child. */
async function parentsOf(trx: Transaction<Database>, childIds: readonly string[]): Promise<Map<string, ParentRow[]>> {
  const byChild = new Map<string, ParentRow[]>();
  for (const part of chunks(childIds)) {
    const rows = await trx
      .selectFrom('flow_edges as e')
      .leftJoin('jobs as p', 'p.id', 'e.parent_id')
      .leftJoin('flow_nodes as pn', 'pn.job_id', 'e.parent_id')
      .select(['e.child_id', 'e.on_failure', 'e.parent_id', 'pn.key', 'p.type', 'p.status', 'p.result', 'p.error'])
      .where('e.child_id', 'in', part)
      .orderBy('e.parent_id')
      .execute();
    for (const row of rows) (byChild.get(row.child_id) ?? byChild.set(row.child_id, []).get(row.child_id)!).push(row);
  }
  return byChild;
}

/** What a callback reads of its batch: how its parents ended (a purged one counts as cancelled). */
async function batchCounts(trx: Transaction<Database>, childId: string): Promise<BatchCounts> {
  const rows = await trx
    .selectFrom('flow_edges as e')
    .leftJoin('jobs as p', 'p.id', 'e.parent_id')
    .select((eb) => ['p.status', eb.fn.countAll<number>().as('count')])
    .where('e.child_id', '=', childId)
    .groupBy('p.status')
    .execute();
  const counts: BatchCounts = { total: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const row of rows) {
    const count = Number(row.count);
    counts.total += count;
    if (row.status === 'succeeded') counts.succeeded += count;
    else if (row.status === 'failed') counts.failed += count;
    else counts.cancelled += count;
  }
  return counts;
}

/** What a child's message carries: every parent that succeeded, and those that did not on `continue` edges. */
function parentInputs(parents: readonly ParentRow[]): Record<string, ParentOutcomeWire> {
  const inputs: Record<string, ParentOutcomeWire> = {};
  for (const parent of parents) {
    const outcome = outcomeOf(parent);
    if (outcome.status !== 'succeeded' && parent.on_failure === 'ignore') continue;
    inputs[parent.key ?? parent.parent_id] = outcome;
  }
  return inputs;
}

function outcomeOf(parent: ParentRow): ParentOutcomeWire {
  if (parent.status === null) {
    return {
      job_id: parent.parent_id,
      type: parent.type ?? 'unknown',
      status: 'cancelled',
      result: null,
      error: { code: 'purged', message: 'The parent was purged before this job ran', retryable: false },
    };
  }
  const status = parent.status as ParentOutcomeWire['status'];
  return {
    job_id: parent.parent_id,
    type: parent.type ?? 'unknown',
    status,
    result: status === 'succeeded' ? parseJson(parent.result) : null,
    error:
      status === 'succeeded'
        ? null
        : (parseJson<JobError>(parent.error) ?? { code: status, message: `The parent was ${status}`, retryable: false }),
  };
}

/** Fails a waiting job without running it: a parent on a `fail` edge did not succeed. */
async function settle(trx: Transaction<Database>, pass: FlowPass, job: JobRecord, parent: ParentRow, now: number): Promise<void> {
  const outcome = outcomeOf(parent);
  const error: JobError = {
    code: ErrorCode.ParentFailed,
    message: `Parent "${parent.key ?? parent.parent_id}" (${outcome.type} ${parent.parent_id}) ${outcome.status === 'failed' ? 'failed' : 'was cancelled'}`,
    retryable: false,
  };
  const json = JSON.stringify(error);
  await trx
    .updateTable('jobs')
    .set({ status: 'failed', error: json, finished_at: now, updated_at: now })
    .where('id', '=', job.id)
    .where('status', '=', 'waiting')
    .execute();
  await trx.updateTable('flow_nodes').set({ waiting: 0 }).where('job_id', '=', job.id).execute();
  await trx
    .insertInto('job_transitions')
    .values({ job_id: job.id, series: job.series, attempt: job.attempts, status: 'failed', at: now, worker: null, error: json })
    .execute();
  pass.settled.push({ ...job, status: 'failed', error, finishedAt: now, updatedAt: now });
}

/** Lets a waiting job go: `queued`, with its message (its parents' outcomes in it) in the outbox or its group. */
async function letGo(
  trx: Transaction<Database>,
  pass: FlowPass,
  job: JobRecord,
  inputs: ReleaseInputs,
  now: number,
  message: FlowMessage,
): Promise<void> {
  const queued: JobRecord = { ...job, status: 'queued', updatedAt: now };
  const built = message(queued, inputs);
  await trx
    .updateTable('jobs')
    .set({ status: 'queued', updated_at: now })
    .where('id', '=', job.id)
    .where('status', '=', 'waiting')
    .execute();
  await trx.updateTable('flow_nodes').set({ waiting: 0 }).where('job_id', '=', job.id).execute();
  await trx
    .insertInto('job_transitions')
    .values({ job_id: job.id, series: job.series, attempt: job.attempts, status: 'queued', at: now, worker: null, error: null })
    .execute();
  await queueMessage(trx, queued, built);
  pass.released.push({ job: queued, message: built });
}
