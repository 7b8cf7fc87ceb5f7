import { JOB_STATUSES, JobError, JobProgress, JobStatus, JobView, QueuedResponse } from '@cask/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JobPage } from '../http/job-page';
import type { TransitionView } from '../store/job-view.mapper';

const JOB_ID = '01a223e7-f080-7632-ae4c-120a9e7f7f02';
const AT = '2026-11-28T20:45:32.678Z';

/** Why an attempt failed. */
export class JobErrorResponse implements JobError {
  @ApiProperty({ example: 'timeout' })
  code: string;

  @ApiProperty({ example: 'Attempt exceeded its timeout of 300000 ms' })
  message: string;

  @ApiProperty({ description: 'Whether another attempt may succeed' })
  retryable: boolean;
}

/** A job as `GET /jobs` lists it. */
export class JobResponse implements JobView {
  @ApiProperty({ format: 'uuid', description: 'UUIDv7: ids sort by creation time', example: JOB_ID })
  job_id: string;

  @ApiProperty({ example: 'video.process' })
  type: string;

  @ApiProperty({ enum: JOB_STATUSES, example: 'succeeded' })
  status: JobStatus;

  @ApiProperty({ type: 'integer', description: 'Attempts started so far in the current series', example: 1 })
  attempts: number;

  @ApiProperty({ type: 'integer', example: 3 })
  max_attempts: number;

  @ApiProperty({
    oneOf: [{ type: 'number' }, { type: 'object', additionalProperties: true }],
    nullable: true,
    description: 'The last value the handler reported',
    example: 100,
  })
  progress: JobProgress | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'What the handler returned, once `succeeded`',
    example: { frames: 60 },
  })
  result: unknown;

  @ApiProperty({
    type: () => JobErrorResponse,
    nullable: true,
    description: 'The last attempt’s error while `retrying`, the final one once `failed`',
  })
  error: JobErrorResponse | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'While `retrying`: when the next attempt becomes runnable',
  })
  next_attempt_at: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'For a delayed job: when it becomes runnable' })
  run_at: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'The schedule that dispatched it' })
  schedule: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'The group it shares its queue with', example: null })
  group: string | null;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The flow it belongs to (`GET /flows/:id`)', example: null })
  flow_id: string | null;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 9, example: 0 })
  priority: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The worker that ran its latest attempt; null until one starts',
    example: 'devbox-48211',
  })
  worker: string | null;

  @ApiProperty({ format: 'date-time', example: AT })
  created_at: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: AT })
  started_at: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: AT })
  finished_at: string | null;
}

/** One recorded status change of a job. */
export class TransitionResponse implements TransitionView {
  @ApiProperty({ format: 'date-time', example: AT })
  at: string;

  @ApiProperty({ enum: JOB_STATUSES, example: 'running' })
  status: JobStatus;

  @ApiProperty({ type: 'integer', description: 'Series of attempts; a redrive starts a new one', example: 1 })
  series: number;

  @ApiProperty({ type: 'integer', description: '0 for a `queued` or `cancelled` entry', example: 1 })
  attempt: number;

  @ApiProperty({ type: 'string', nullable: true, example: 'devbox-48211' })
  worker: string | null;

  @ApiProperty({ type: () => JobErrorResponse, nullable: true })
  error: JobErrorResponse | null;
}

/** A job as `GET /jobs/:id` shows it: with its payload and every transition so far. */
export class JobWithHistoryResponse extends JobResponse {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The payload, as dispatched',
    example: { url: 'https://example.com/cat.mp4', duration_ms: 3000 },
  })
  payload: object;

  @ApiProperty({ type: [TransitionResponse], description: 'Every recorded transition, oldest first' })
  history: TransitionResponse[];
}

/** A page of jobs, newest first. */
export class JobPageResponse implements JobPage {
  @ApiProperty({ type: [JobResponse] })
  items: JobResponse[];

  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last one' })
  next_cursor: string | null;
}

/** An accepted dispatch. */
export class QueuedJobResponse implements QueuedResponse {
  @ApiProperty({
    enum: JOB_STATUSES,
    description: '`queued`, or `scheduled` for a delayed job; for a dispatch that became the job holding its unique key, that job’s status',
  })
  status: JobStatus;

  @ApiProperty({ format: 'uuid', example: JOB_ID })
  job_id: string;

  @ApiPropertyOptional({
    enum: ['created', 'existing', 'debounced'],
    description:
      'Only with a unique key: `created` a new job, `existing` the job holding the key (nothing written), `debounced` that job took this payload',
  })
  unique?: 'created' | 'existing' | 'debounced';
}

/** An accepted batch: every job stored, ids in the order sent. */
export class QueuedBatchResponse {
  @ApiProperty({ enum: ['queued'] })
  status: 'queued';

  @ApiProperty({ type: 'string', format: 'uuid', isArray: true, example: [JOB_ID] })
  job_ids: string[];

  @ApiProperty({ type: 'string', format: 'uuid', required: false, description: 'With a callback: the batch as a flow (`GET /flows/:id`)' })
  flow_id?: string;

  @ApiProperty({ type: 'string', format: 'uuid', required: false, description: 'With a callback: the callback job' })
  callback_id?: string;
}

/** How many jobs `POST /jobs/retry` redrove. */
export class RetriedJobsResponse {
  @ApiProperty({ type: 'integer', description: 'At most 1,000 per call: repeat until 0', example: 12 })
  retried: number;
}
