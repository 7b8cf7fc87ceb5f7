import { MetricsController, createMetricsRegistry } from '@cask/host';
import { CaskAuthModule, CaskDashboardModule, CaskHealthModule, CaskHttpModule, CaskMetricsModule, CaskModule } from '@cask/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { ApiConfig } from './config/api-config';
import { caskOptions } from './config/cask-options';
import { ExamplesController } from './examples/examples.controller';
import { HealthController } from './health/health.controller';
import { apiHttpLogger, apiLoggerParams } from './http/request-logging';
import { HTTP_LOGGER } from './tokens';

/**
 * The reference api: Cask's engine with every opt-in module (its HTTP routes, the dashboard, API keys,
 * metrics, health), its logging, and the seed's two example endpoints. Built from the packages' public API.
 */
@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    const httpLogger = apiHttpLogger(config);
    // This app instance's own registry: several apps in one process (tests) never share metrics.
    const registry = createMetricsRegistry();
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(apiLoggerParams(httpLogger)),
        CaskModule.forRoot(caskOptions(config)),
        CaskHttpModule.forRoot(),
        CaskDashboardModule.forRoot(),
        CaskAuthModule.forRoot({ keys: config.apiKeys, requestRatePerSecond: config.rateLimitPerSecond }),
        CaskMetricsModule.forRoot({ registry }),
        CaskHealthModule,
        // No terminus log line per failed probe: an outage would print one every few seconds; the broker
        // connection and the store log their own state changes.
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [ExamplesController, HealthController, MetricsController],
      providers: [
        { provide: ApiConfig, useValue: config },
        { provide: HTTP_LOGGER, useValue: httpLogger },
        { provide: Registry, useValue: registry },
      ],
    };
  }
}
