import { Module } from '@nestjs/common';
import { HeartbeatConsumer } from './heartbeat.consumer';
import { RateTokenTicker } from './rate-token.ticker';
import { SilentWorkerSweeper } from './silent-worker.sweeper';
import { WorkersController } from './workers.controller';
import { WorkersServices } from './workers-services';

/**
 * The api's side of the worker pool: `GET /workers` from worker heartbeats, and the start tokens of
 * rate-limited job types. Imported by ApiModule.
 */
@Module({
  controllers: [WorkersController],
  providers: [WorkersServices, HeartbeatConsumer, SilentWorkerSweeper, RateTokenTicker],
  // For readiness: the heartbeat consumer must be attached.
  exports: [HeartbeatConsumer],
})
export class WorkersModule {}
