import type { JobEventBus } from '../events/job-event-bus';
import { updateEvent, updateTenant, updateType } from './live-event.mapper';
import type { LiveStream } from './live-stream';
import type { SseSink } from './sse-response';

/**
 * One client's `GET /events`: every job's status changes and progress as this api instance applies
 * them, optionally only for some job types. For dashboards: nothing is replayed and events carry no
 * id, so a reconnecting client (whatever its `Last-Event-ID`) continues from now and should re-read
 * `GET /jobs` for what it missed. The bus is in-process: with several api instances, each stream shows
 * the changes its own instance applied.
 */
export class AllJobsEventStream implements LiveStream {
  private unsubscribe?: () => void;
  private closed = false;

  constructor(
    private readonly bus: JobEventBus,
    /** Only this tenant's jobs are sent. */
    private readonly tenant: string,
    /** Job types to send; all when undefined. */
    private readonly types?: ReadonlySet<string>,
  ) {}

  run(sink: SseSink): void {
    if (this.closed) return;
    this.unsubscribe = this.bus.subscribe((update) => {
      if (updateTenant(update) === this.tenant && (!this.types || this.types.has(updateType(update)))) sink.send(updateEvent(update));
    });
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
  }
}
