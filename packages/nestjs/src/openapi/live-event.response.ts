import { JOB_STATUSES, JobProgress, JobStatus } from '@cask/contracts';
import { ApiProperty } from '@nestjs/swagger';
import type { ProgressEventData, ResultEventData, StatusEventData } from '../live/live-event.mapper';
import { JobErrorResponse } from './job.response';

/** `data` of a `status` event: one status change of a job. */
export class StatusEventResponse implements StatusEventData {
  @ApiProperty({ format: 'uuid' })
  job_id: string;

  @ApiProperty({ example: 'video.process' })
  type: string;

  @ApiProperty({ enum: JOB_STATUSES })
  status: JobStatus;

  @ApiProperty({ type: 'integer' })
  series: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Null on `GET /events` for a cancel, which names no attempt' })
  attempt: number | null;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ type: 'string', nullable: true })
  worker: string | null;

  @ApiProperty({ type: () => JobErrorResponse, nullable: true })
  error: JobErrorResponse | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'For `retrying`: when the next attempt becomes runnable',
  })
  next_attempt_at: string | null;
}

/** `data` of a `progress` event: the latest value a handler reported. */
export class ProgressEventResponse implements ProgressEventData {
  @ApiProperty({ format: 'uuid' })
  job_id: string;

  @ApiProperty({ example: 'video.process' })
  type: string;

  @ApiProperty({ type: 'integer' })
  series: number;

  @ApiProperty({ type: 'integer' })
  attempt: number;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'object', additionalProperties: true }], example: 40 })
  progress: JobProgress;
}

/** `data` of the `result` event that ends `GET /jobs/:id/events`. */
export class ResultEventResponse implements ResultEventData {
  @ApiProperty({ format: 'uuid' })
  job_id: string;

  @ApiProperty({ example: 'video.process' })
  type: string;

  @ApiProperty({ enum: JOB_STATUSES, example: 'succeeded' })
  status: JobStatus;

  @ApiProperty({ type: 'integer' })
  attempts: number;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  result: unknown;

  @ApiProperty({ type: () => JobErrorResponse, nullable: true })
  error: JobErrorResponse | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  finished_at: string | null;
}

const STATUS_EVENT =
  'event: status\ndata: {"job_id":"01a223e7-f080-7632-ae4c-120a9e7f7f02","type":"video.process","status":"running","series":1,"attempt":1,"at":"2026-11-28T20:45:32.678Z","worker":"devbox-48211","error":null,"next_attempt_at":null}\n\n';
const PROGRESS_EVENT =
  'event: progress\ndata: {"job_id":"01a223e7-f080-7632-ae4c-120a9e7f7f02","type":"video.process","series":1,"attempt":1,"at":"2026-11-28T20:45:32.879Z","progress":10}\n\n';
/** What `GET /jobs/:id/events` sends, in part. */
export const JOB_STREAM_EXAMPLE = `id: 1.1.2\n${STATUS_EVENT}${PROGRESS_EVENT}`;
/** What `GET /events` sends, in part. */
export const ALL_JOBS_STREAM_EXAMPLE = `${STATUS_EVENT}${PROGRESS_EVENT}`;
