import { AmqpHealthIndicator } from '@cask/observability';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { WorkersModule } from '../workers/workers.module';
import { ApiHealthIndicator } from './api-health.indicator';
import { HealthController } from './health.controller';

/** `GET /health/live` and `GET /health/ready`. Imported by ApiModule, whose exports it uses. */
@Module({
  // No terminus log line per failed probe: an outage would print one every few seconds; the broker
  // connection and the store log their own state changes.
  imports: [TerminusModule.forRoot({ logger: false }), WorkersModule],
  controllers: [HealthController],
  providers: [AmqpHealthIndicator, ApiHealthIndicator],
})
export class HealthModule {}
