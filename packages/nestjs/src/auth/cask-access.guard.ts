import { DEFAULT_TENANT } from '@cask/contracts';
import { CanActivate, ExecutionContext, ForbiddenException, Injectable, Optional, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { errorBody } from '../http/error-body';
import { ApiKeyRing, Principal } from './api-keys';
import type { AuthenticatedRequest } from './principal.decorator';
import { ADMIN_ROUTE, PUBLIC_ROUTE } from './public-route';
import { RequestLimits } from './request-limits';

/** Who every request acts for when no keys are configured. */
export const OPEN_PRINCIPAL: Principal = { tenant: DEFAULT_TENANT, scope: 'write' };

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BEARER = /^Bearer ([^\s]+)$/i;

/** What the guard reads of a request, under Express and Fastify alike. */
interface GuardedRequest extends Partial<AuthenticatedRequest> {
  method: string;
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Cask's routes but those marked {@link Public}: with `CaskAuthModule` imported and keys configured, a valid
 * `Authorization: Bearer <key>` (401 without), a `write` key for anything but reads and an `admin` key for
 * the routes marked {@link AdminOnly} (403), and the tenant's
 * request rate (429). Without keys every request acts for the default tenant. Bound to Cask's controllers
 * only (never an `APP_GUARD`), so the host's routes are untouched.
 */
@Injectable()
export class CaskAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Optional() private readonly keys?: ApiKeyRing,
    @Optional() private readonly limits?: RequestLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const principal = this.keys?.enabled ? await this.authenticate(request) : OPEN_PRINCIPAL;
    await this.limits?.perTenant.take(principal.tenant);
    if (principal.scope === 'read' && !READ_METHODS.has(request.method)) {
      throw new ForbiddenException(errorBody('This API key is read-only: it cannot dispatch, cancel, retry or change schedules'));
    }
    const adminOnly = this.reflector.getAllAndOverride<string | undefined>(ADMIN_ROUTE, [context.getHandler(), context.getClass()]);
    if (this.keys?.enabled && principal.scope !== 'admin' && adminOnly !== undefined) throw new ForbiddenException(errorBody(adminOnly));
    request.principal = principal;
    return true;
  }

  private async authenticate(request: GuardedRequest): Promise<Principal> {
    const header = request.headers.authorization;
    const match = BEARER.exec(typeof header === 'string' ? header : '');
    const principal = match ? this.keys?.authenticate(match[1]) : undefined;
    if (principal) return principal;
    // Guessing keys costs a client its own budget, not a tenant's.
    await this.limits?.perAnonymousClient.take(request.ip ?? 'unknown');
    throw new UnauthorizedException(errorBody(match ? 'Invalid API key' : 'Missing API key: send Authorization: Bearer <key>'));
  }
}
