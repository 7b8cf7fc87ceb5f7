import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Principal } from './api-keys';

/** A request after the {@link CaskAccessGuard}: who it acts for. */
export interface AuthenticatedRequest {
  principal: Principal;
}

/** The request's principal, set by the {@link CaskAccessGuard}; its tenant scopes everything the route does. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
});
