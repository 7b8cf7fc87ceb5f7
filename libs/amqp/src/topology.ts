import type { CaskTopology } from '@cask/contracts';
import type { Channel } from 'amqplib';

/** Declares the dead-letter exchange and queue. Idempotent. */
export async function declareDeadLetters(channel: Channel, topology: CaskTopology): Promise<void> {
  await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(topology.deadLetterQueue, topology.deadLetterExchange, '');
}

/**
 * Declares the jobs exchange and one durable priority queue per job queue name, bound by that name.
 * Classic queues, because only they take 10 priority levels on both RabbitMQ 3.10 and 4.x. Idempotent.
 */
export async function declareJobQueues(channel: Channel, topology: CaskTopology, queues: readonly string[]): Promise<void> {
  await declareDeadLetters(channel, topology);
  await channel.assertExchange(topology.jobsExchange, 'direct', { durable: true });
  for (const queue of queues) {
    const name = topology.jobQueue(queue);
    await channel.assertQueue(name, {
      durable: true,
      arguments: {
        'x-queue-type': 'classic',
        'x-max-priority': topology.maxPriority,
        'x-dead-letter-exchange': topology.deadLetterExchange,
      },
    });
    await channel.bindQueue(name, topology.jobsExchange, queue);
  }
}

/** Declares the events exchange and the quorum queue the api consumes events from. Idempotent. */
export async function declareEventQueue(channel: Channel, topology: CaskTopology): Promise<void> {
  await declareDeadLetters(channel, topology);
  await channel.assertExchange(topology.eventsExchange, 'direct', { durable: true });
  await channel.assertQueue(topology.eventsQueue, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': topology.deadLetterExchange },
  });
  await channel.bindQueue(topology.eventsQueue, topology.eventsExchange, topology.eventsRoutingKey);
}
