import { DynamicModule, Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { ApiKeyRing } from '../auth/api-keys';
import { DashboardAssets } from './dashboard-assets';
import { DashboardController } from './dashboard.controller';

/** Options of `CaskDashboardModule.forRoot`. */
export interface CaskDashboardOptions {
  /**
   * Where the page is served.
   * @defaultValue `'dashboard'`
   */
  path?: string;
  /**
   * The `path` given to `CaskHttpModule.forRoot`, where the page finds its data.
   * @defaultValue `''`
   */
  apiPath?: string;
}

const normalize = (path: string) => (path === '' ? '' : `/${path.replace(/^\/+|\/+$/g, '')}`);

/**
 * The dashboard (README "Dashboard"): one page and its files under a strict Content-Security-Policy, with no
 * data of its own: it calls Cask's HTTP routes (import `CaskHttpModule` too) with the API key it asks for.
 */
@Module({})
export class CaskDashboardModule {
  static forRoot(options: CaskDashboardOptions = {}): DynamicModule {
    const path = normalize(options.path ?? 'dashboard');
    if (path === '') throw new TypeError('CaskDashboardModule: path must not be empty');
    const apiPath = normalize(options.apiPath ?? '');
    return {
      module: CaskDashboardModule,
      imports: [RouterModule.register([{ path, module: CaskDashboardModule }])],
      controllers: [DashboardController],
      providers: [
        {
          provide: DashboardAssets,
          inject: [{ token: ApiKeyRing, optional: true }],
          useFactory: (keys?: ApiKeyRing) => new DashboardAssets({ keysRequired: keys?.enabled ?? false, dashboardPath: path, apiPath }),
        },
      ],
    };
  }
}
