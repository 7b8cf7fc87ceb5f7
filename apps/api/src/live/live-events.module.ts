import { Module } from '@nestjs/common';
import { LiveEventsController } from './live-events.controller';
import { LiveEventsOptions } from './live-events.options';
import { LiveSources } from './live-sources';
import { LiveStreams } from './live-streams';

/** Server-sent events: `GET /jobs/:id/events` and `GET /events`. Imported by `ApiModule`. */
@Module({
  controllers: [LiveEventsController],
  providers: [{ provide: LiveEventsOptions, useValue: new LiveEventsOptions() }, LiveSources, LiveStreams],
})
export class LiveEventsModule {}
