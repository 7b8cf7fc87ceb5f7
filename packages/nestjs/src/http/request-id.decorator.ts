import { isRequestId } from '@cask/contracts';
import { ExecutionContext, createParamDecorator } from '@nestjs/common';

/**
 * The request's id, for handlers that pass it on with the jobs they dispatch: the id the host's logger gave
 * the request (`req.id`: pino-http's, Fastify's), else the client's well-formed `X-Request-Id`.
 */
export const RequestId = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined => {
  const request = context.switchToHttp().getRequest<{ id?: unknown; headers: Record<string, unknown> }>();
  if (isRequestId(request.id)) return request.id;
  const sent = request.headers['x-request-id'];
  return isRequestId(sent) ? sent : undefined;
});
