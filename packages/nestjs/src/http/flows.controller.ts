import type { TraceCarrier } from '@cask/contracts';
import { FieldError, JobCatalogue, isUuid, validatePayload } from '@cask/contracts';
import { Body, Get, HttpCode, HttpStatus, NotFoundException, Param, Post, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { AsyncDispatcher, FlowNode } from '../dispatcher/async-dispatcher';
import { markChecked } from '../dispatcher/checked-payloads';
import { FlowCanceller } from '../flows/flow-canceller';
import { DispatchQuota } from '../limits/dispatch-quota';
import { ApiErrors, BODY_ERRORS, ERROR_EXAMPLES } from '../openapi/api-errors.decorator';
import { CancelledFlowResponse, FlowResponse, QueuedFlowResponse } from '../openapi/flow.response';
import { FlowInfo, FlowStore } from '../store/flow-store';
import { CaskController } from './cask-controller.decorator';
import { CaskRoutes } from './cask-routes';
import { CreateFlowDto } from './create-flow.dto';
import { errorBody } from './error-body';
import { resolveJobRequest } from './job-request';
import { RequestId } from './request-id.decorator';
import { TraceContext } from './trace-context.decorator';
import { ValidationFailedException } from './validation-failed.exception';

const FLOW_ID_PARAM = ApiParam({ name: 'id', format: 'uuid', description: 'A flow id' });

/** A flow as `GET /flows/:id` shows it. */
export interface FlowView {
  flow_id: string;
  kind: 'flow' | 'batch';
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  counts: Record<string, number>;
  created_at: string;
  nodes: Array<{
    key: string;
    job_id: string;
    type: string;
    status: string;
    parents: Array<{ key: string; job_id: string; on_failure: string }>;
    callback: boolean;
    error: FlowInfo['nodes'][number]['error'];
    started_at: string | null;
    finished_at: string | null;
  }>;
}

function checkFlowId(id: string): void {
  if (!isUuid(id)) throw new ValidationFailedException([{ field: 'id', reason: 'must be a UUID' }], 'Invalid flow id');
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A flow's status from its jobs': running until all have finished, then the worst outcome among them. */
function flowStatus(counts: Record<string, number>): FlowView['status'] {
  const finished = (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0);
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  if (finished < total) return 'running';
  if (counts.failed) return 'failed';
  if (counts.cancelled) return 'cancelled';
  return 'succeeded';
}

export function toFlowView(flow: FlowInfo): FlowView {
  const counts: Record<string, number> = {};
  for (const node of flow.nodes) counts[node.status] = (counts[node.status] ?? 0) + 1;
  return {
    flow_id: flow.id,
    kind: flow.kind,
    status: flowStatus(counts),
    counts,
    created_at: new Date(flow.createdAt).toISOString(),
    nodes: flow.nodes.map((node) => ({
      key: node.key,
      job_id: node.jobId,
      type: node.type,
      status: node.status,
      parents: node.parents.map((parent) => ({ key: parent.key, job_id: parent.jobId, on_failure: parent.onFailure })),
      callback: node.callback,
      error: node.error,
      started_at: iso(node.startedAt),
      finished_at: iso(node.finishedAt),
    })),
  };
}

/**
 * Flows: jobs that run after others (`AsyncDispatcher.dispatchFlow`), a batch's callback among them. Each
 * job waits for its parents, reads their outcomes in `ctx.parents`, and follows its edges' policies when one
 * does not succeed.
 */
@ApiTags('flows')
@CaskController('flows')
export class FlowsController {
  constructor(
    private readonly dispatcher: AsyncDispatcher,
    private readonly catalogue: JobCatalogue,
    private readonly store: FlowStore,
    private readonly canceller: FlowCanceller,
    private readonly quota: DispatchQuota,
    private readonly adapterHost: HttpAdapterHost,
    private readonly routes: CaskRoutes,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Dispatch a flow: jobs that run after others',
    description:
      'Each job names its `parents` by key; the flow must be acyclic. Jobs without parents are queued at once, the others ' +
      'wait (`waiting`) until their parents have all finished. All stored or none: a bad job or shape answers 400 naming ' +
      'each bad field as `nodes[<i>].<field>`.',
  })
  @ApiAcceptedResponse({
    type: QueuedFlowResponse,
    headers: { Location: { description: 'The flow: `/flows/<flow_id>`', schema: { type: 'string' } } },
  })
  @ApiErrors({ 400: ERROR_EXAMPLES.badFlow, ...BODY_ERRORS, 503: ERROR_EXAMPLES.brokerUnavailable })
  async create(
    @Body() body: CreateFlowDto,
    @CurrentPrincipal() { tenant }: Principal,
    @RequestId() requestId: string | undefined,
    @TraceContext() traceContext: TraceCarrier | undefined,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<{ status: 'queued'; flow_id: string; job_ids: Record<string, string> }> {
    const errors: FieldError[] = [];
    const nodes: FlowNode[] = [];
    body.nodes.forEach((item, index) => {
      try {
        const { job, options } = resolveJobRequest(this.catalogue, item, `nodes[${index}].`);
        const validation = validatePayload(job, item.payload);
        if (!validation.ok) {
          errors.push(
            ...validation.errors.map(({ field, reason }) => ({ field: `nodes[${index}].payload${field ? `.${field}` : ''}`, reason })),
          );
          return;
        }
        markChecked(validation.value, job, item.payload);
        const parents = (item.parents ?? []).map((parent) =>
          typeof parent === 'string' ? parent : { key: parent.key, onFailure: parent.on_failure },
        );
        nodes.push({ key: item.key, job, payload: validation.value, options, parents });
      } catch (err) {
        if (!(err instanceof ValidationFailedException)) throw err;
        errors.push(...((err.getResponse() as { details?: FieldError[] }).details ?? []));
      }
    });
    if (errors.length > 0) throw new ValidationFailedException(errors, 'Invalid flow; nothing was stored');
    await this.quota.admit(tenant, nodes.length);
    const flow = await this.dispatcher.dispatchFlow(nodes, { tenant, requestId, traceContext });
    this.adapterHost.httpAdapter.setHeader(response, 'Location', `${this.routes.flows}/${flow.flowId}`);
    return { status: 'queued', flow_id: flow.flowId, job_ids: flow.jobIds };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A flow’s graph, with each job’s status' })
  @FLOW_ID_PARAM
  @ApiOkResponse({ type: FlowResponse })
  @ApiErrors({ 400: ERROR_EXAMPLES.badFlowId, 404: ERROR_EXAMPLES.flowNotFound })
  async get(@Param('id') id: string, @CurrentPrincipal() { tenant }: Principal): Promise<FlowView> {
    checkFlowId(id);
    const flow = await this.store.getFlow(id.toLowerCase());
    if (flow?.tenant !== tenant) throw new NotFoundException(errorBody('Flow not found'));
    return toFlowView(flow);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel what of a flow has not run',
    description:
      'Cancels its waiting, queued and scheduled jobs and those waiting between attempts; running jobs finish their attempt, and their children, cancelled, do not run.',
  })
  @FLOW_ID_PARAM
  @ApiOkResponse({ type: CancelledFlowResponse })
  @ApiErrors({ 400: ERROR_EXAMPLES.badFlowId, 404: ERROR_EXAMPLES.flowNotFound })
  async cancel(
    @Param('id') id: string,
    @CurrentPrincipal() { tenant }: Principal,
  ): Promise<FlowView & { cancelled: number; running: number }> {
    checkFlowId(id);
    const done = await this.canceller.cancel(id.toLowerCase(), tenant);
    if (!done) throw new NotFoundException(errorBody('Flow not found'));
    return { ...toFlowView(done.flow), cancelled: done.outcome.cancelled.length, running: done.outcome.running.length };
  }
}
