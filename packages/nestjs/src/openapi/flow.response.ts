import { JOB_STATUSES, JobStatus, PARENT_FAILURE_POLICIES } from '@cask/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { JobErrorResponse } from './job.response';

const FLOW_ID = '01936f0e-8a4b-7c3d-9e2f-5a6b7c8d9e0f';
const JOB_ID = '01936f0e-8a4b-7c3d-9e2f-5a6b7c8d9e10';

/** A flow job's parent. */
export class FlowParentResponse {
  @ApiProperty({ example: 'fetch' })
  key: string;

  @ApiProperty({ format: 'uuid', example: JOB_ID })
  job_id: string;

  @ApiProperty({ enum: PARENT_FAILURE_POLICIES, example: 'fail', description: 'What this job does if the parent does not succeed' })
  on_failure: string;
}

/** One job of a flow. */
export class FlowNodeResponse {
  @ApiProperty({ example: 'resize' })
  key: string;

  @ApiProperty({ format: 'uuid', example: JOB_ID })
  job_id: string;

  @ApiProperty({ example: 'video.process' })
  type: string;

  @ApiProperty({ enum: JOB_STATUSES, example: 'waiting', description: '`waiting` until its parents have all finished' })
  status: JobStatus;

  @ApiProperty({ type: () => [FlowParentResponse] })
  parents: FlowParentResponse[];

  @ApiProperty({ description: 'A batch’s callback' })
  callback: boolean;

  @ApiProperty({ type: () => JobErrorResponse, nullable: true })
  error: JobErrorResponse | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  started_at: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  finished_at: string | null;
}

/** `GET /flows/:id`: the graph, with each job's status. */
export class FlowResponse {
  @ApiProperty({ format: 'uuid', example: FLOW_ID })
  flow_id: string;

  @ApiProperty({ enum: ['flow', 'batch'], description: '`batch`: a batch with a callback' })
  kind: 'flow' | 'batch';

  @ApiProperty({
    enum: ['running', 'succeeded', 'failed', 'cancelled'],
    description: '`running` while any job has not finished; then `failed` if any failed, `cancelled` if any was, else `succeeded`',
  })
  status: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { succeeded: 2, running: 1, waiting: 1 } })
  counts: Record<string, number>;

  @ApiProperty({ format: 'date-time', type: String })
  created_at: string;

  @ApiProperty({ type: () => [FlowNodeResponse], description: 'In dispatch order' })
  nodes: FlowNodeResponse[];
}

/** `POST /flows`: the flow and each job's id by key. */
export class QueuedFlowResponse {
  @ApiProperty({ enum: ['queued'] })
  status: 'queued';

  @ApiProperty({ format: 'uuid', example: FLOW_ID })
  flow_id: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string', format: 'uuid' }, example: { fetch: JOB_ID } })
  job_ids: Record<string, string>;
}

/** `POST /flows/:id/cancel`: the flow after the cancel. */
export class CancelledFlowResponse extends FlowResponse {
  @ApiProperty({ type: 'integer', example: 3, description: 'Jobs cancelled: those that had not run' })
  cancelled: number;

  @ApiProperty({ type: 'integer', example: 1, description: 'Jobs running, left to finish their attempt; their children were cancelled' })
  running: number;
}
