import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { JobEventBus } from '../events/job-event-bus';
import { JobStore } from '../store/job-store';
import { AllJobsEventStream } from './all-jobs-event-stream';
import type { EventId } from './event-id';
import { JobEventStream } from './job-event-stream';
import { LiveEventsOptions } from './live-events.options';
import type { LiveStream } from './live-stream';
import { SseResponse } from './sse-response';

/** Creates the live streams and serves them; ends every open one when the api shuts down. */
@Injectable()
export class LiveStreams implements BeforeApplicationShutdown {
  private readonly open = new Set<SseResponse>();

  constructor(
    private readonly store: JobStore,
    private readonly bus: JobEventBus,
    private readonly options: LiveEventsOptions,
  ) {}

  forJob(jobId: string, after: EventId | undefined, tenant: string): JobEventStream {
    return new JobEventStream(jobId, after, this.store, this.bus, this.options.pollMs, tenant);
  }

  forAllJobs(tenant: string, types: ReadonlySet<string> | undefined): AllJobsEventStream {
    return new AllJobsEventStream(this.bus, tenant, types);
  }

  /** Turns the response into an event stream and runs `stream` into it until either side ends it. */
  serve(response: ServerResponse, stream: LiveStream): void {
    const sse = new SseResponse(response, this.options);
    sse.onClose(() => {
      this.open.delete(sse);
      stream.close();
    });
    if (!sse.open()) return;
    this.open.add(sse);
    stream.run(sse);
  }

  /** Open streams would hold the HTTP server open; clients of job streams resume on another instance. */
  beforeApplicationShutdown(): void {
    for (const sse of [...this.open]) sse.end();
  }
}
