import { topologyFor } from '@cask/contracts';
import * as amqplib from 'amqplib';
import { randomBytes } from 'node:crypto';
import { TEST_AMQP_URL } from './services';
import { waitFor } from './wait-for';

/** A namespace no other test uses, so tests never see each other's messages. */
export function uniqueNamespace(label: string): string {
  return `test.${label}.${randomBytes(4).toString('hex')}`;
}

/** Deletes every exchange and queue of a namespace (job queues named in `queues`). */
export async function deleteNamespace(namespace: string, queues: readonly string[] = ['default', 'video', 'webhooks']): Promise<void> {
  const topology = topologyFor(namespace);
  const connection = await amqplib.connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    const all = [
      ...queues.map(topology.jobQueue),
      ...queues.map(topology.suspectQueue),
      ...queues.map(topology.rescueQueue),
      topology.eventsQueue,
      topology.deadLetterQueue,
      topology.controlStream,
      topology.workersQueue,
    ];
    for (const queue of all) await channel.deleteQueue(queue);
    for (const exchange of [topology.jobsExchange, topology.eventsExchange, topology.deadLetterExchange])
      await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** A plain connection for tests that publish or read raw messages. */
export function rawConnection(): Promise<amqplib.ChannelModel> {
  return amqplib.connect(TEST_AMQP_URL);
}

/** Publishes a message straight to the broker, persistent and confirmed, as an outsider with publish rights could. */
export async function publishRaw(
  connection: amqplib.ChannelModel,
  exchange: string,
  routingKey: string,
  body: string | Buffer,
  headers: Record<string, unknown> = {},
): Promise<void> {
  const channel = await connection.createConfirmChannel();
  channel.publish(exchange, routingKey, Buffer.isBuffer(body) ? body : Buffer.from(body), { persistent: true, headers });
  await channel.waitForConfirms();
  await channel.close();
}

/** Takes the next `n` messages off a queue (a dead-letter queue, say), waiting up to 15 s for them. */
export async function takeMessages(connection: amqplib.ChannelModel, queue: string, n: number): Promise<amqplib.GetMessage[]> {
  const channel = await connection.createChannel();
  const taken: amqplib.GetMessage[] = [];
  await waitFor(
    async () => {
      const message = await channel.get(queue, { noAck: true });
      if (message) taken.push(message);
      return taken.length >= n;
    },
    { timeoutMs: 15_000, what: `${n} message(s) on ${queue}` },
  );
  await channel.close();
  return taken;
}
