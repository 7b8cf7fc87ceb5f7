import { topologyFor } from '@cask/contracts';
import type { Channel } from 'amqplib';
import { HOLD_TTL_MS, declareDelayQueue, declareHoldQueue, delayBucket, fromLostHold, jobQueueArguments } from './topology';

describe('delayBucket', () => {
  it.each([0, 1, 9, 9.99, -5])('publishes a delay of %p ms straight away (bucket 0)', (delayMs) => {
    expect(delayBucket(delayMs)).toBe(0);
  });

  it.each([
    [10, 10],
    [15, 15],
    [99, 99],
    [99.5, 100],
    [100, 100],
    [104, 100],
    [105, 110],
    [999, 1000],
    [1000, 1000],
    [1234, 1200],
    [1250, 1300],
    [1800, 1800],
    [2400, 2400],
    [123_456, 120_000],
    [300_000, 300_000],
    [86_400_000, 86_000_000],
  ])('rounds %p ms to two significant figures: %p ms', (delayMs, bucket) => {
    expect(delayBucket(delayMs)).toBe(bucket);
  });

  it('gives whole milliseconds within 5 % of the delay, and at most 90 buckets per power of ten', () => {
    const buckets = new Set<number>();
    for (let delayMs = 10; delayMs < 1_000_000; delayMs *= 1.0037) {
      const bucket = delayBucket(delayMs);
      expect(Number.isInteger(bucket)).toBe(true);
      expect(Math.abs(bucket - delayMs) / delayMs).toBeLessThanOrEqual(0.05);
      buckets.add(bucket);
    }

    // 10 ms up to 1,000,000 ms is 5 powers of ten (plus the round-up to 1,000,000 itself).
    expect(buckets.size).toBeLessThanOrEqual(5 * 90 + 1);
  });
});

describe('declareDelayQueue', () => {
  it('declares a durable queue that holds messages for the bucket, then dead-letters them back to the job queue', async () => {
    const asserted: Array<[string, unknown]> = [];
    const channel = { assertQueue: async (name: string, options: unknown) => asserted.push([name, options]) } as unknown as Channel;
    const topology = topologyFor('acme');

    const name = await declareDelayQueue(channel, topology, 'video', 1200);

    expect(name).toBe('acme.delay.video.1200');
    expect(asserted).toEqual([
      [
        'acme.delay.video.1200',
        {
          durable: true,
          arguments: {
            'x-queue-type': 'classic',
            'x-message-ttl': 1200,
            'x-expires': expect.any(Number),
            'x-dead-letter-exchange': 'acme.jobs',
            'x-dead-letter-routing-key': 'video',
          },
        },
      ],
    ]);
    // The queue must outlive its messages, or a message would vanish with it.
    expect((asserted[0][1] as { arguments: { 'x-expires': number } }).arguments['x-expires']).toBeGreaterThan(1200);
  });
});

describe('jobQueueArguments', () => {
  it('makes classic priority queues by default and quorum ones without priorities when asked, both dead-lettering', () => {
    expect(jobQueueArguments(topologyFor('acme'))).toEqual({
      'x-queue-type': 'classic',
      'x-max-priority': 9,
      'x-dead-letter-exchange': 'acme.dlx',
    });
    // RabbitMQ 3.x refuses x-max-priority on a quorum queue; 4.x drops messages past the delivery limit without a target.
    expect(jobQueueArguments(topologyFor('acme', 'quorum'))).toEqual({ 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'acme.dlx' });
  });
});

describe('declareHoldQueue', () => {
  it("declares a worker's durable hold queue whose messages, once its worker let go, expire into the suspect queue", async () => {
    const asserted: Array<[string, { arguments: Record<string, unknown> }]> = [];
    const channel = {
      assertQueue: async (name: string, options: { arguments: Record<string, unknown> }) => asserted.push([name, options]),
    } as unknown as Channel;

    const name = await declareHoldQueue(channel, topologyFor('acme'), 'video', 'w1.ab12cd34');

    expect(name).toBe('acme.held.video.w1.ab12cd34');
    // The suspect queue first, so that a dead letter always has somewhere to go.
    expect(asserted.map(([queue]) => queue)).toEqual(['acme.suspect.video', name]);
    expect(asserted[1][1]).toEqual({
      durable: true,
      arguments: {
        'x-queue-type': 'classic',
        'x-message-ttl': HOLD_TTL_MS,
        'x-expires': expect.any(Number),
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': 'acme.suspect.video',
      },
    });
    // Its messages are gone long before the queue is.
    expect(asserted[1][1].arguments['x-expires']).toBeGreaterThan(10 * HOLD_TTL_MS);
  });
});

describe('fromLostHold', () => {
  const topology = topologyFor('acme');
  const death = (queue: string, reason: string) => ({ 'x-death': [{ count: 1, reason, queue, exchange: '', 'routing-keys': [queue] }] });

  it('recognises a message that expired in a hold queue of the namespace', () => {
    expect(fromLostHold(topology, death('acme.held.video.w1-ab12', 'expired'))).toBe(true);
  });

  it.each([
    ['no x-death header', undefined],
    ['an empty x-death list', { 'x-death': [] }],
    ['a retry back from a delay queue', death('acme.delay.video.1200', 'expired')],
    ['a hold queue of another namespace', death('other.held.video.w1', 'expired')],
    ['a message rejected in a hold queue', death('acme.held.video.w1', 'rejected')],
    ['a malformed x-death', { 'x-death': ['acme.held.video.w1'] }],
  ])('does not for %s', (_, headers) => {
    expect(fromLostHold(topology, headers)).toBe(false);
  });
});
