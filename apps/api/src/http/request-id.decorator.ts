import { ExecutionContext, createParamDecorator } from '@nestjs/common';

/** The request's id (see `assignRequestId`; pino-http sets it first), for handlers that pass it on with the jobs they dispatch. */
export const RequestId = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined => {
  const id = context.switchToHttp().getRequest<{ id?: unknown }>().id;
  return typeof id === 'string' ? id : undefined;
});
