import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { ErrorBody } from '../http/error-body';
import { ErrorResponse } from './error.response';

/** Seconds, as the 503 and 429 answers set them. */
export const RETRY_AFTER_HEADER = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };

const MEANING = {
  400: 'Bad input: `details` names each field and why; nothing was changed',
  404: 'Not found',
  409: 'Conflicts with the current state; nothing was changed',
  410: 'Purged after its retention period',
  413: 'Request body larger than 1 MiB',
  415: 'Request body is not `application/json`',
  503: 'The broker is unavailable and the outbox is full: nothing was stored, so retrying after `Retry-After` is safe',
} as const;

/** An error status this api answers with an {@link ErrorResponse}. */
export type ErrorStatus = keyof typeof MEANING;

/** Stands for the app's job types in an example; `addCaskToDocument` writes the real list in its place. */
export const JOB_TYPES = '{{job_types}}';

/** Example bodies, as the api sends them. */
export const ERROR_EXAMPLES = {
  badJobId: { error: 'Invalid job id', details: [{ field: 'id', reason: 'must be a UUID' }] },
  badScheduleName: {
    error: 'Invalid schedule name',
    details: [{ field: 'name', reason: 'must be lower-case dotted words, e.g. "reports.nightly"' }],
  },
  badBody: { error: 'Validation failed', details: [{ field: 'email', reason: 'email must be an email' }] },
  badBatchItem: {
    error: 'Invalid jobs in batch; nothing was stored',
    details: [{ field: 'jobs[2].payload.fail_times', reason: 'fail_times must not be greater than 10' }],
  },
  badCursor: { error: 'Validation failed', details: [{ field: 'cursor', reason: 'is not a cursor this api returned' }] },
  noRetryFilter: {
    error: 'Validation failed',
    details: [{ field: 'type', reason: 'give a type, a status (failed or cancelled), or both' }],
  },
  badPayload: {
    error: 'Invalid payload for job type "email.welcome"',
    details: [{ field: 'payload.email', reason: 'email must be an email' }],
  },
  unknownEventType: {
    error: 'Unknown job type "email.wellcome"',
    details: [{ field: 'type', reason: `must be one or more (comma-separated) of: ${JOB_TYPES}` }],
  },
  jobNotFound: { error: 'Job not found' },
  letterNotFound: { error: 'Dead letter not found' },
  badLetterId: { error: 'Invalid dead letter id', details: [{ field: 'id', reason: 'must be a UUID' }] },
  notRedrivable: { error: 'Dead letter cannot be redriven: it is not a job message; read it and discard it' },
  noDiscardFilter: {
    error: 'Validation failed',
    details: [{ field: 'all', reason: 'give reason, type, source_queue or job_id, or "all": true' }],
  },
  flowNotFound: { error: 'Flow not found' },
  badFlowId: { error: 'Invalid flow id', details: [{ field: 'id', reason: 'must be a UUID' }] },
  badFlow: { error: 'Invalid flow; nothing was stored', details: [{ field: 'nodes[2].parents', reason: 'makes a cycle: b → c → b' }] },
  scheduleNotFound: { error: 'Schedule not found' },
  jobPurged: { error: 'Job was purged after its retention period' },
  notCancellable: { error: 'Job is succeeded; only waiting, queued, scheduled, running or retrying jobs can be cancelled' },
  notRetryable: { error: 'Job is running; only failed or cancelled jobs can be retried' },
  badCron: {
    error: 'Invalid schedule',
    details: [{ field: 'cron', reason: 'must have 5 fields (minute hour day month weekday) or 6 (seconds first)' }],
  },
  codeSchedule: { error: 'Schedule "reports.nightly" is declared in code; it can only be changed there' },
  idempotencyConflict: { error: 'This Idempotency-Key was used with a different request' },
  tooLarge: { error: 'Request body is too large' },
  notJson: { error: 'Unsupported media type', details: [{ field: 'content-type', reason: 'must be application/json' }] },
  brokerUnavailable: { error: 'Job broker unavailable and the outbox is full; nothing was queued, retry later' },
} satisfies Record<string, ErrorBody>;

/** Errors every route with a JSON body can answer. */
export const BODY_ERRORS = { 413: ERROR_EXAMPLES.tooLarge, 415: ERROR_EXAMPLES.notJson } as const;

/**
 * Documents the error answers of a route, each with the {@link ErrorResponse} shape and an example body:
 * `@ApiErrors({ 400: ERROR_EXAMPLES.badJobId, 404: ERROR_EXAMPLES.jobNotFound })`.
 */
export function ApiErrors(examples: Partial<Record<ErrorStatus, ErrorBody>>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(examples).map(([status, example]) =>
      ApiResponse({
        status: Number(status),
        description: MEANING[Number(status) as ErrorStatus],
        type: ErrorResponse,
        example,
        headers: Number(status) === 503 ? RETRY_AFTER_HEADER : undefined,
      }),
    ),
  );
}
