import { CaskError, ErrorCode } from '@cask/contracts';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BatchValidationError, type PayloadTooLargeError } from '../dispatcher/dispatch-errors';
import type { InvalidPayloadError } from '../dispatcher/invalid-payload.error';
import type { RateLimitedError } from '../limits/rate-limited.error';
import { ErrorBody, errorBody } from './error-body';

/** Seconds a client should wait before retrying a request that the broker or the store could not take. */
export const BROKER_RETRY_AFTER_SECONDS = 5;

/** What an error answers: a status, a body, and any headers. */
interface Answer {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
  /** Logged as a warning: the request was refused for the deployment's state, not for the client's mistake. */
  warn?: boolean;
}

const retryLater = { 'Retry-After': String(BROKER_RETRY_AFTER_SECONDS) };

/** Cask's domain errors by `code`: the HTTP answer of each. */
const BY_CODE: Readonly<Record<string, (err: CaskError) => Answer>> = {
  [ErrorCode.InvalidPayload]: (err) => {
    // A batch names each item's fields itself; a single dispatch names the payload's.
    if (err instanceof BatchValidationError) return { status: HttpStatus.BAD_REQUEST, body: errorBody(err.message, err.errors) };
    const e = err as InvalidPayloadError;
    const details = e.errors.map(({ field, reason }) => ({ field: !e.inPayload ? field : field ? `payload.${field}` : 'payload', reason }));
    return {
      status: HttpStatus.BAD_REQUEST,
      body: errorBody(`Invalid ${e.inPayload ? 'payload' : 'options'} for job type "${e.jobType}"`, details),
    };
  },
  batch_over_rate_limit: (err) => ({
    status: HttpStatus.BAD_REQUEST,
    body: errorBody('Batch too large for the dispatch rate limit; split it', [{ field: 'jobs', reason: err.message }]),
  }),
  payload_too_large: (err) => {
    const e = err as PayloadTooLargeError;
    return {
      status: HttpStatus.PAYLOAD_TOO_LARGE,
      body: errorBody(e.message, [{ field: e.field, reason: `must be at most ${e.limit} bytes as JSON; it is ${e.size}` }]),
    };
  },
  rate_limited: (err) => ({
    status: HttpStatus.TOO_MANY_REQUESTS,
    body: errorBody(err.message),
    headers: { 'Retry-After': String((err as RateLimitedError).retryAfterSeconds) },
  }),
  idempotency_conflict: (err) => ({ status: HttpStatus.CONFLICT, body: errorBody(err.message) }),
  invalid_state: (err) => ({ status: HttpStatus.CONFLICT, body: errorBody(err.message) }),
  not_redrivable: (err) => ({ status: HttpStatus.CONFLICT, body: errorBody(err.message) }),
  backlog_full: () => brokerUnavailable(),
  [ErrorCode.BrokerUnavailable]: () => brokerUnavailable(),
  [ErrorCode.StoreUnavailable]: () => ({
    status: HttpStatus.SERVICE_UNAVAILABLE,
    body: errorBody('The job store is unavailable; retry later (with the same Idempotency-Key, a retried dispatch cannot run twice)'),
    headers: retryLater,
    warn: true,
  }),
};

function brokerUnavailable(): Answer {
  return {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    body: errorBody('Job broker unavailable and the outbox is full; nothing was queued, retry later'),
    headers: retryLater,
    warn: true,
  };
}

function fromHttpException(exception: HttpException): Answer {
  const status = exception.getStatus();
  const body = exception.getResponse();
  const headers = status === HttpStatus.UNAUTHORIZED ? { 'WWW-Authenticate': 'Bearer realm="cask"' } : undefined;
  if (typeof body === 'object' && body !== null && 'error' in body && !('statusCode' in body))
    return { status, body: body as ErrorBody, headers };
  return { status, body: errorBody(exception.message), headers };
}

/**
 * Cask's routes' errors as `{"error", "details"?}` bodies: domain errors mapped by their `code`, Nest's HTTP
 * exceptions kept with their status, anything else logged and answered 500 without detail. Works under
 * Express and Fastify alike; it is bound to Cask's controllers only, never to the host's routes.
 */
@Catch()
export class CaskHttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('CaskHttp');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const answer = this.answer(exception);
    const http = this.adapterHost.httpAdapter;
    const response = host.switchToHttp().getResponse<unknown>();
    for (const [name, value] of Object.entries(answer.headers ?? {})) http.setHeader(response, name, value);
    http.reply(response, answer.body, answer.status);
  }

  private answer(exception: unknown): Answer {
    if (exception instanceof CaskError) {
      const answer = BY_CODE[exception.code]?.(exception);
      if (answer) {
        if (answer.warn) this.logger.warn(`Request refused: ${exception.message}`);
        return answer;
      }
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    this.logger.error(`Unhandled error: ${(exception as Error)?.message}`, (exception as Error)?.stack);
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: errorBody('Internal server error') };
  }
}
