import { BrokerUnavailableError, StoreUnavailableError } from '@cask/contracts';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { BacklogFullError, BatchValidationError, IdempotencyConflictError, PayloadTooLargeError } from '../dispatcher/dispatch-errors';
import { BatchOverRateLimitError } from '../limits/dispatch-quota';
import { RateLimitedError } from '../limits/rate-limited.error';
import { InvalidPayloadError } from '../dispatcher/invalid-payload.error';
import { NotCancellableError } from '../dispatcher/job-canceller';
import { NotRetryableStateError } from '../dispatcher/job-redriver';
import { errorBody } from './error-body';

/** Seconds a client should wait before retrying a dispatch the broker could not take. */
export const BROKER_RETRY_AFTER_SECONDS = 5;

/** Maps every error to a status and an {@link ErrorBody}; unexpected ones are logged, never shown. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof InvalidPayloadError) {
      const details = exception.errors.map(({ field, reason }) => ({
        field: !exception.inPayload ? field : field ? `payload.${field}` : 'payload',
        reason,
      }));
      response.status(HttpStatus.BAD_REQUEST).json(errorBody(`Invalid payload for job type "${exception.jobType}"`, details));
      return;
    }
    if (exception instanceof RateLimitedError) {
      response.status(HttpStatus.TOO_MANY_REQUESTS).setHeader('Retry-After', String(exception.retryAfterSeconds)).json(errorBody(exception.message));
      return;
    }
    if (exception instanceof PayloadTooLargeError) {
      const reason = `must be at most ${exception.limit} bytes as JSON; it is ${exception.size}`;
      response.status(HttpStatus.PAYLOAD_TOO_LARGE).json(errorBody(exception.message, [{ field: exception.field, reason }]));
      return;
    }
    if (exception instanceof BatchOverRateLimitError) {
      response.status(HttpStatus.BAD_REQUEST).json(errorBody('Batch too large for the dispatch rate limit; split it', [{ field: 'jobs', reason: exception.message }]));
      return;
    }
    if (exception instanceof BatchValidationError) {
      response.status(HttpStatus.BAD_REQUEST).json(errorBody(exception.message, exception.errors));
      return;
    }
    if (exception instanceof BacklogFullError || exception instanceof BrokerUnavailableError) {
      this.logger.warn(`Dispatch refused: ${exception.message}`);
      response
        .status(HttpStatus.SERVICE_UNAVAILABLE)
        .setHeader('Retry-After', String(BROKER_RETRY_AFTER_SECONDS))
        .json(errorBody('Job broker unavailable and the outbox is full; nothing was queued, retry later'));
      return;
    }
    if (exception instanceof StoreUnavailableError) {
      this.logger.warn(`Request refused: ${exception.message}`);
      response
        .status(HttpStatus.SERVICE_UNAVAILABLE)
        .setHeader('Retry-After', String(BROKER_RETRY_AFTER_SECONDS))
        .json(errorBody('The job store is unavailable; retry later (with the same Idempotency-Key, a retried dispatch cannot run twice)'));
      return;
    }
    if (exception instanceof IdempotencyConflictError || exception instanceof NotRetryableStateError || exception instanceof NotCancellableError) {
      response.status(HttpStatus.CONFLICT).json(errorBody(exception.message));
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === HttpStatus.UNAUTHORIZED) response.setHeader('WWW-Authenticate', 'Bearer realm="cask"');
      const body = exception.getResponse();
      if (typeof body === 'object' && body !== null && 'error' in body && !('statusCode' in body)) {
        response.status(status).json(body);
      } else {
        response.status(status).json(errorBody(exception.message));
      }
      return;
    }
    this.logger.error(`Unhandled error: ${(exception as Error)?.message}`, (exception as Error)?.stack);
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json(errorBody('Internal server error'));
  }
}
