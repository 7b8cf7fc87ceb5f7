import type { CaskTopology } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import type { Channel } from 'amqplib';

/**
 * The delivery limit of the quorum queues that cannot dead-letter (`ns.dead` is the target, `ns.workers` would
 * fill it with expired heartbeats): as good as none. RabbitMQ 4.x gives a quorum queue a limit of 20 returns when
 * none is set, past which a message with nowhere to go is dropped; 4.x's own "no limit", -1, makes 3.10 drop a
 * message at its first return (probed on 3.10.8), so a number both read alike.
 */
export const UNLIMITED_DELIVERIES = 1_000_000;

const logger = new Logger('CaskTopology');
/** Queues this process found declared by an earlier Cask, with fewer arguments: declared as they are. */
const declaredBefore = new Set<string>();

/**
 * Declares a durable queue with `args`, or, when it exists with the arguments an earlier Cask gave it
 * (`before`), as it is: RabbitMQ refuses to change a queue's arguments (`PRECONDITION_FAILED`, which closes the
 * channel), so the first refusal is remembered, said once with what to do, and the declaration's retry on a new
 * channel (every caller's channel is reopened and set up again) takes the queue as it is.
 */
async function assertQueueUpgrading(
  channel: Channel,
  queue: string,
  args: Record<string, unknown>,
  before: Record<string, unknown>,
  remedy: string,
): Promise<void> {
  if (declaredBefore.has(queue)) {
    await channel.assertQueue(queue, { durable: true, arguments: before });
    return;
  }
  try {
    await channel.assertQueue(queue, { durable: true, arguments: args });
  } catch (err) {
    if ((err as { code?: unknown }).code !== 406) throw err;
    // Several channels of a process declare it at once: the first refusal says so.
    if (!declaredBefore.has(queue)) {
      declaredBefore.add(queue);
      logger.warn(
        `${queue} was declared by an earlier Cask, without ${Object.keys(args)
          .filter((key) => !(key in before))
          .join(', ')}: keeping it as it is. ${remedy}`,
      );
    }
    throw err;
  }
}

/** What an operator does for a queue declared before its delivery limit was set. */
function limitRemedy(queue: string): string {
  const pattern = `^${queue.replace(/[.]/g, '\\.')}$`;
  return `On RabbitMQ 4.x its messages are dropped after 20 returns: set its limit with a policy, rabbitmqctl set_policy --apply-to quorum_queues ${queue} '${pattern}' '{"delivery-limit": ${UNLIMITED_DELIVERIES}}'`;
}

/** Declares the dead-letter exchange and queue. Idempotent. */
export async function declareDeadLetters(channel: Channel, topology: CaskTopology): Promise<void> {
  await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
  await assertQueueUpgrading(
    channel,
    topology.deadLetterQueue,
    { 'x-queue-type': 'quorum', 'x-delivery-limit': UNLIMITED_DELIVERIES },
    { 'x-queue-type': 'quorum' },
    limitRemedy(topology.deadLetterQueue),
  );
  await channel.bindQueue(topology.deadLetterQueue, topology.deadLetterExchange, '');
}

/**
 * The arguments of job and suspect queues. Classic by default, because only classic queues take 10 priority levels
 * on both RabbitMQ 3.10 and 4.x; quorum queues when the topology says so (no `x-max-priority`: 3.x refuses it).
 * Both dead-letter to the dead-letter exchange (on 4.x a quorum queue drops a message past its delivery limit
 * when it has no dead-letter target).
 */
export function jobQueueArguments(topology: CaskTopology): Record<string, unknown> {
  if (topology.jobQueueType === 'quorum') return { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': topology.deadLetterExchange };
  return { 'x-queue-type': 'classic', 'x-max-priority': topology.maxPriority, 'x-dead-letter-exchange': topology.deadLetterExchange };
}

/** Declares the jobs exchange and one durable queue per job queue name, bound by that name. Idempotent. */
export async function declareJobQueues(channel: Channel, topology: CaskTopology, queues: readonly string[]): Promise<void> {
  await declareDeadLetters(channel, topology);
  await channel.assertExchange(topology.jobsExchange, 'direct', { durable: true });
  for (const queue of queues) {
    const name = topology.jobQueue(queue);
    await channel.assertQueue(name, { durable: true, arguments: jobQueueArguments(topology) });
    await channel.bindQueue(name, topology.jobsExchange, queue);
    await declareSuspectQueue(channel, topology, queue);
    await channel.assertQueue(topology.rescueQueue(queue), { durable: true, arguments: jobQueueArguments(topology) });
  }
}

/** The queue a job queue's redelivered messages wait in; consumed one at a time. Idempotent. */
export async function declareSuspectQueue(channel: Channel, topology: CaskTopology, queue: string): Promise<void> {
  await channel.assertQueue(topology.suspectQueue(queue), { durable: true, arguments: jobQueueArguments(topology) });
}

/**
 * Rounds a delay to two significant figures, so retries share a few delay queues instead of one each
 * (1,234 ms waits 1,200 ms). Delays under 10 ms are 0: publish straight to the job queue.
 */
export function delayBucket(delayMs: number): number {
  if (delayMs < 10) return 0;
  const magnitude = 10 ** (Math.floor(Math.log10(delayMs)) - 1);
  return Math.round(delayMs / magnitude) * magnitude;
}

/** Where a TTL queue's messages go once expired, and when the queue itself goes. */
interface Expiry {
  ttlMs: number;
  expiresMs: number;
  deadLetterExchange: string;
  deadLetterRoutingKey: string;
}

/** A durable classic queue whose messages expire after a TTL and dead-letter onward: delay and hold queues. */
async function assertTtlQueue(channel: Channel, name: string, expiry: Expiry): Promise<string> {
  await channel.assertQueue(name, {
    durable: true,
    arguments: {
      'x-queue-type': 'classic',
      'x-message-ttl': expiry.ttlMs,
      'x-expires': expiry.expiresMs,
      'x-dead-letter-exchange': expiry.deadLetterExchange,
      'x-dead-letter-routing-key': expiry.deadLetterRoutingKey,
    },
  });
  return name;
}

/**
 * Declares the queue where a job queue's messages wait `bucketMs` and then dead-letter back to the jobs
 * exchange with the job queue's routing key: the wait happens in the broker, not in a worker. One TTL per
 * queue keeps messages in FIFO order. The queue deletes itself when idle long after its last message
 * expired. Declare it right before each publish, so it cannot expire in between. Idempotent.
 */
export function declareDelayQueue(channel: Channel, topology: CaskTopology, queue: string, bucketMs: number): Promise<string> {
  return assertTtlQueue(channel, topology.delayQueue(queue, bucketMs), {
    ttlMs: bucketMs,
    expiresMs: bucketMs * 2 + 60_000,
    deadLetterExchange: topology.jobsExchange,
    deadLetterRoutingKey: queue,
  });
}

/**
 * The TTL of a hold queue's messages, from their publish. The process that published one takes it at once, and
 * RabbitMQ does not expire a message a consumer holds; when that process has gone, its held messages come back
 * to the queue, expire (at once, if older than this) and dead-letter to the job queue's suspect queue, as a
 * redelivery would.
 */
export const HOLD_TTL_MS = 2000;

/** How long a hold queue no one consumes outlives its last consumer (its messages are long gone by then). */
export const HOLD_QUEUE_EXPIRES_MS = 15 * 60_000;

/**
 * Declares one worker process's hold queue for a job queue ({@link CaskTopology.holdQueue}): classic and durable
 * like the job queue, its messages expire after {@link HOLD_TTL_MS} when not in the holder's hands and
 * dead-letter to the suspect queue, and the queue itself goes once unused for {@link HOLD_QUEUE_EXPIRES_MS}.
 * Idempotent.
 */
export async function declareHoldQueue(channel: Channel, topology: CaskTopology, queue: string, holder: string): Promise<string> {
  await declareSuspectQueue(channel, topology, queue);
  // Through the default exchange, which routes by queue name.
  return assertTtlQueue(channel, topology.holdQueue(queue, holder), {
    ttlMs: HOLD_TTL_MS,
    expiresMs: HOLD_QUEUE_EXPIRES_MS,
    deadLetterExchange: '',
    deadLetterRoutingKey: topology.suspectQueue(queue),
  });
}

/**
 * Whether a message came to the suspect queue from a hold queue whose worker let go of it without acking it (it
 * died, or lost its channel): RabbitMQ's `x-death` header names the hold queue and the reason `expired`.
 */
export function fromLostHold(topology: CaskTopology, headers: Record<string, unknown> | undefined): boolean {
  const deaths = headers?.['x-death'];
  if (!Array.isArray(deaths) || deaths.length === 0) return false;
  const last = deaths[0] as { queue?: unknown; reason?: unknown } | null;
  return typeof last?.queue === 'string' && last.queue.startsWith(topology.holdQueuePrefix) && last.reason === 'expired';
}

/**
 * Declares the control stream: a stream queue keeps its messages (for 7 days) for every reader, so each
 * worker reads all cancellations, including those made while it was offline. Idempotent.
 */
export async function declareControlStream(channel: Channel, topology: CaskTopology): Promise<void> {
  await channel.assertQueue(topology.controlStream, { durable: true, arguments: { 'x-queue-type': 'stream', 'x-max-age': '7D' } });
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

/**
 * How long a heartbeat may wait in the workers queue: older ones describe a past the api no longer
 * needs (a worker silent that long has timed out anyway), so an api back from an outage does not
 * list long-dead workers as live.
 */
export const HEARTBEAT_TTL_MS = 60_000;

/**
 * Declares the quorum queue the api reads worker heartbeats from, bound to the events exchange by the
 * heartbeat routing key. Single active consumer: one api instance at a time applies heartbeats, in the
 * order each worker sent them, so a goodbye is never overtaken by the heartbeat before it. Idempotent.
 */
export async function declareWorkersQueue(channel: Channel, topology: CaskTopology): Promise<void> {
  await channel.assertExchange(topology.eventsExchange, 'direct', { durable: true });
  const before = { 'x-queue-type': 'quorum', 'x-message-ttl': HEARTBEAT_TTL_MS, 'x-single-active-consumer': true };
  await assertQueueUpgrading(
    channel,
    topology.workersQueue,
    { ...before, 'x-delivery-limit': UNLIMITED_DELIVERIES },
    before,
    limitRemedy(topology.workersQueue),
  );
  await channel.bindQueue(topology.workersQueue, topology.eventsExchange, topology.heartbeatRoutingKey);
}

/** The queue holding the start tokens of a rate-limited job type. */
export function rateTokenQueue(topology: CaskTopology, type: string): string {
  return `${topology.namespace}.tokens.${type}`;
}

/**
 * Declares a rate-limited job type's token queue: one api instance tops it up to the type's rate every
 * second, and a worker takes a token (`basic.get`) before starting a job of that type. Its arguments do
 * not depend on the rate, so changing a rate never makes the declarations of two processes disagree.
 * Idempotent.
 */
export async function declareRateTokenQueue(channel: Channel, topology: CaskTopology, type: string): Promise<string> {
  const name = rateTokenQueue(topology, type);
  await channel.assertQueue(name, { durable: true, arguments: { 'x-queue-type': 'classic' } });
  return name;
}
