import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { RETRY_AFTER_HEADER } from './api-errors.decorator';
import { ErrorResponse } from './error.response';

/** Name of the security scheme in the document: `Authorization: Bearer <api key>`. */
export const API_KEY_SCHEME = 'api-key';

/**
 * Documents that a controller's routes take an API key as a bearer token, and the answers when it is
 * missing, not allowed, or used too often. Documentation only: the auth guard enforces it.
 */
export function ApiKeyAuth(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiBearerAuth(API_KEY_SCHEME),
    ApiUnauthorizedResponse({
      description: 'No API key, or one that is not valid (with `WWW-Authenticate: Bearer realm="cask"`)',
      type: ErrorResponse,
      example: { error: 'Missing API key: send Authorization: Bearer <key>' },
    }),
    ApiForbiddenResponse({
      description: 'The key’s scope does not allow this (a read key on a write endpoint, a non-admin key on the queues)',
      type: ErrorResponse,
      example: { error: 'This API key is read-only: it cannot dispatch, cancel, retry or change schedules' },
    }),
    ApiTooManyRequestsResponse({
      description:
        'Over the tenant’s request or dispatch rate, or its cap of waiting jobs: retry after `Retry-After` seconds; nothing was stored',
      type: ErrorResponse,
      example: { error: 'Rate limit exceeded: at most 1000 requests per second' },
      headers: RETRY_AFTER_HEADER,
    }),
  );
}
