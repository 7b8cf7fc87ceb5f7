import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EmailHandler } from './examples/email.handler';
import { FlakyHandler } from './examples/flaky.handler';
import { VideoHandler } from './examples/video.handler';
import { RethrowJobErrorsFilter } from './transport/rethrow-job-errors.filter';

/** The worker's handlers. Add yours to `controllers`; the transport finds them by their @JobHandler. */
@Module({
  controllers: [EmailHandler, VideoHandler, FlakyHandler],
  providers: [{ provide: APP_FILTER, useClass: RethrowJobErrorsFilter }],
})
export class WorkerModule {}
