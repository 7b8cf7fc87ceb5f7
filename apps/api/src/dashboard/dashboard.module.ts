import { Module } from '@nestjs/common';
import { ApiConfig } from '../config/api-config';
import { DashboardAssets } from './dashboard-assets';
import { DashboardController } from './dashboard.controller';

/** The dashboard page (README "Dashboard"); its data comes from the api's own routes. Imported by ApiModule. */
@Module({
  controllers: [DashboardController],
  providers: [{ provide: DashboardAssets, inject: [ApiConfig], useFactory: (config: ApiConfig) => new DashboardAssets(config.apiKeys.length > 0) }],
})
export class DashboardModule {}
