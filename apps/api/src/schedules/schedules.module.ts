import { Module } from '@nestjs/common';
import { ScheduleServices } from './schedule-services';
import { Scheduler } from './scheduler';
import { SchedulesController } from './schedules.controller';

/**
 * Cron schedules: `POST/GET/DELETE /schedules`, pause and resume, and the scheduler that fires them.
 * Imported by ApiModule; it uses ApiModule's dispatcher, job catalogue and database.
 */
@Module({
  controllers: [SchedulesController],
  providers: [ScheduleServices, Scheduler],
})
export class SchedulesModule {}
