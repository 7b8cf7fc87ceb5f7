import { DEFAULT_TENANT } from '@cask/contracts';
import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { errorBody } from '../http/error-body';
import { RequestLimiter } from '../limits/request-limiter';
import { ApiKeyRing, Principal } from './api-keys';
import type { AuthenticatedRequest } from './principal.decorator';
import { PUBLIC_ROUTE } from '@cask/observability';

/** Who every request acts for when no keys are configured. */
export const OPEN_PRINCIPAL: Principal = { tenant: DEFAULT_TENANT, scope: 'write' };

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BEARER = /^Bearer ([^\s]+)$/i;

/** The rate limits the guard applies: per tenant, and per client address for requests without a valid key. */
export class RequestLimits {
  constructor(
    readonly perTenant: RequestLimiter,
    readonly perAnonymousClient: RequestLimiter,
  ) {}
}

/**
 * Every route but those marked {@link Public}: with keys configured, a valid `Authorization: Bearer <key>`
 * (401 without), a `write` key for anything but reads (403), and the tenant's request rate (429). With no
 * keys the api is open and every request acts for the default tenant.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyRing,
    private readonly limits: RequestLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request & Partial<AuthenticatedRequest>>();
    const principal = this.keys.enabled ? await this.authenticate(request) : OPEN_PRINCIPAL;
    await this.limits.perTenant.take(principal.tenant);
    if (principal.scope === 'read' && !READ_METHODS.has(request.method)) {
      throw new ForbiddenException(errorBody('This API key is read-only: it cannot dispatch, cancel, retry or change schedules'));
    }
    request.principal = principal;
    return true;
  }

  private async authenticate(request: Request): Promise<Principal> {
    const match = BEARER.exec(request.headers.authorization ?? '');
    const principal = match ? this.keys.authenticate(match[1]) : undefined;
    if (principal) return principal;
    // Guessing keys costs a client its own budget, not a tenant's.
    await this.limits.perAnonymousClient.take(request.ip ?? 'unknown');
    throw new UnauthorizedException(errorBody(match ? 'Invalid API key' : 'Missing API key: send Authorization: Bearer <key>'));
  }
}
