import { DynamicModule, Module } from '@nestjs/common';
import { ApiKeyRing } from './api-keys';
import type { CaskAuthOptions } from './cask-auth.options';
import { SharedRateLimits } from '../limits/shared-rate-limits';
import { RequestLimits } from './request-limits';

/**
 * API keys and request rates for Cask's own routes (those of `CaskHttpModule` and the dashboard's data):
 * a `read` or `write` key per tenant, sent as `Authorization: Bearer <key>`. The host's routes are never
 * guarded by it. Without this module Cask's routes are open and act for the `default` tenant.
 *
 * Global, so that Cask's route modules see the keys wherever the host imports them; it exports nothing of
 * the host's concern.
 */
@Module({})
export class CaskAuthModule {
  static forRoot(options: CaskAuthOptions): DynamicModule {
    const perSecond = options.requestRatePerSecond ?? 1000;
    return {
      module: CaskAuthModule,
      global: true,
      providers: [
        { provide: ApiKeyRing, useValue: new ApiKeyRing(options.keys) },
        {
          provide: RequestLimits,
          // Shared across api instances through the store when CaskModule (global by default) provides it.
          inject: [{ token: SharedRateLimits, optional: true }],
          useFactory: (shared?: SharedRateLimits) => new RequestLimits(perSecond, shared),
        },
      ],
      exports: [ApiKeyRing, RequestLimits],
    };
  }
}
