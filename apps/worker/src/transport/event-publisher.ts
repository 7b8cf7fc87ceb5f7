import { ConfirmPublisher } from '@cask/amqp';
import { CaskTopology, JobEvent, encodeEvents } from '@cask/contracts';
import { v7 as uuidv7 } from 'uuid';

/** Sends job events to the api's event queue; resolves when the broker has confirmed them. */
export class EventPublisher {
  constructor(
    private readonly publisher: ConfirmPublisher,
    private readonly topology: CaskTopology,
  ) {}

  publish(events: JobEvent[]): Promise<void> {
    return this.publisher.publish(this.topology.eventsExchange, this.topology.eventsRoutingKey, encodeEvents(events), {
      messageId: uuidv7(),
      type: events[0]?.kind,
    });
  }
}
