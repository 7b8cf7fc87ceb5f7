import { ConfirmPublisher, GroupCommit } from '@cask/core';
import { CaskTopology, JobEvent, encodeEvents } from '@cask/contracts';
import { v7 as uuidv7 } from 'uuid';

/** Most events one message carries. */
const MAX_EVENTS_PER_MESSAGE = 500;
/**
 * Event messages awaiting their confirm at once. A confirm takes a few milliseconds (the events queue
 * is a quorum queue that confirms once written to disk); several under way keep that off each job's path.
 */
const MAX_MESSAGES_IN_FLIGHT = 8;

/**
 * Sends job events to the api's event queue; each call resolves when the broker has confirmed the message
 * that carried its events.
 *
 * Events travel in groups: those reported in one turn of the event loop share a message, and while
 * {@link MAX_MESSAGES_IN_FLIGHT} messages await their confirm, the events reported meanwhile wait and
 * then go out together. Under load a job costs the broker a fraction of a message; an idle worker still
 * sends each event at once. Events keep their order: messages leave in order, on one channel.
 */
export class EventPublisher {
  private readonly messages: GroupCommit<readonly JobEvent[]>;

  constructor(
    private readonly publisher: ConfirmPublisher,
    private readonly topology: CaskTopology,
  ) {
    this.messages = new GroupCommit((groups) => this.send(groups.flat()), {
      maxGroup: MAX_EVENTS_PER_MESSAGE,
      maxInFlight: MAX_MESSAGES_IN_FLIGHT,
      sizeOf: (events) => events.length,
    });
  }

  publish(events: readonly JobEvent[]): Promise<void> {
    return this.messages.add(events);
  }

  private send(events: JobEvent[]): Promise<void> {
    return this.publisher.publish(this.topology.eventsExchange, this.topology.eventsRoutingKey, encodeEvents(events), {
      messageId: uuidv7(),
      type: events.length === 1 ? events[0].kind : 'batch',
    });
  }
}
