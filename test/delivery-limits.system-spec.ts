import { CaskSystem, rawConnection } from '@cask/testing';
import { topologyFor } from '@cask/contracts';
import type { ChannelModel } from 'amqplib';

const LIMIT = 1_000_000;
const DEAD_BEFORE = { 'x-queue-type': 'quorum' };
const WORKERS_BEFORE = { 'x-queue-type': 'quorum', 'x-message-ttl': 60_000, 'x-single-active-consumer': true };

/** Whether the broker takes a declaration of `queue` with exactly `args` (a queue's arguments cannot differ). */
async function declaresWith(connection: ChannelModel, queue: string, args: Record<string, unknown>): Promise<boolean> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    await channel.assertQueue(queue, { durable: true, arguments: args });
    await channel.close();
    return true;
  } catch (err) {
    if ((err as { code?: number }).code !== 406) throw err;
    return false;
  }
}

/**
 * The quorum queues that cannot dead-letter (`ns.dead`, `ns.workers`) get a delivery limit that is as good as
 * none, so RabbitMQ 4.x (20 returns by default, then the message is dropped) never drops one; queues an earlier
 * Cask declared without it are kept as they are, with a warning naming the policy that sets it.
 */
describe('delivery limits of the quorum queues without a dead-letter target', () => {
  it('declares ns.dead and ns.workers with one on a new namespace', async () => {
    const cask = new CaskSystem('limits-new');
    const connection = await rawConnection();
    try {
      await cask.startApi();
      await cask.startWorker();
      const topology = topologyFor(cask.namespace);
      expect(await declaresWith(connection, topology.deadLetterQueue, { ...DEAD_BEFORE, 'x-delivery-limit': LIMIT })).toBe(true);
      expect(await declaresWith(connection, topology.workersQueue, { ...WORKERS_BEFORE, 'x-delivery-limit': LIMIT })).toBe(true);
      expect(await declaresWith(connection, topology.deadLetterQueue, DEAD_BEFORE)).toBe(false);
    } finally {
      await connection.close();
      await cask.stop();
    }
  });

  it('keeps the queues an earlier Cask declared, says what to do once, and runs jobs as before', async () => {
    const cask = new CaskSystem('limits-old');
    const topology = topologyFor(cask.namespace);
    const connection = await rawConnection();
    try {
      // As a Cask before this change declared them.
      const channel = await connection.createChannel();
      await channel.assertQueue(topology.deadLetterQueue, { durable: true, arguments: DEAD_BEFORE });
      await channel.assertQueue(topology.workersQueue, { durable: true, arguments: WORKERS_BEFORE });
      await channel.close();

      await cask.startApi();
      await cask.startWorker();
      const id = await cask.dispatch('email.welcome', { email: 'ada@example.com', name: 'Ada' });
      expect((await cask.waitForTerminal([id]))[0].status).toBe('succeeded');

      const warned = (cask.api?.output ?? []).filter((line) =>
        line.includes(`${topology.deadLetterQueue} was declared by an earlier Cask`),
      );
      expect(warned).toHaveLength(1);
      expect(warned[0]).toContain(`set_policy --apply-to quorum_queues ${topology.deadLetterQueue}`);
      expect(await declaresWith(connection, topology.deadLetterQueue, DEAD_BEFORE)).toBe(true);
    } finally {
      await connection.close();
      await cask.stop();
    }
  });
});
