import type { AmqpConnection, AmqpConsumerOptions, Delivery } from '@cask/core';
import { JobMessage, decodeJobMessage, topologyFor } from '@cask/contracts';
import { fakeConfirmPublisher, settle } from '@cask/testing';
import type { ConsumeMessage } from 'amqplib';
import { HoldConsumer, PackHolds, SPLIT_PAUSE_AFTER_LATE_MS } from './pack-holds';

const topology = topologyFor('acme');
const pack = { properties: { priority: 3, type: undefined, headers: {} }, fields: { redelivered: false } } as unknown as ConsumeMessage;
const body = (n: number) => Buffer.from(JSON.stringify({ v: 1, id: `01900000-0000-7000-8000-00000000000${n}`, type: 'demo.flaky' }));

function fakeDelivery(messageId: string, redelivered = false) {
  const settled: string[] = [];
  let open = true;
  const delivery = {
    message: { properties: { messageId }, fields: { redelivered } },
    get isChannelOpen() {
      return open;
    },
    ack: () => settled.push('ack') > 0,
    nack: (requeue: boolean) => settled.push(`nack(${requeue})`) > 0,
  } as unknown as Delivery;
  return { delivery, settled, closeChannel: () => (open = false) };
}

function setUp() {
  const { publisher, sent } = fakeConfirmPublisher<JobMessage>(decodeJobMessage);
  const consumers = new Map<string, AmqpConsumerOptions & { attached: boolean }>();
  const orphans: Array<[string, Delivery]> = [];
  let clock = 1_000_000;
  const holds = new PackHolds(
    {} as AmqpConnection,
    publisher,
    topology,
    'worker-1',
    ['video'],
    () => 82,
    (queue, delivery) => orphans.push([queue, delivery]),
    (options) => {
      const consumer = { ...options, attached: true };
      consumers.set(options.queue, consumer);
      return {
        queue: options.queue,
        get isAttached() {
          return consumer.attached;
        },
        start: async () => undefined,
        cancel: async () => {
          consumer.attached = false;
        },
        stop: async () => undefined,
      } satisfies HoldConsumer;
    },
    () => clock,
  );
  const consumer = [...consumers.values()][0];
  /** The broker hands the last published rest (or `id`) to the hold queue's consumer. */
  const deliver = (id = sent.at(-1)!.options.messageId, redelivered = false) => {
    const fake = fakeDelivery(id, redelivered);
    consumer.onMessage(fake.delivery);
    return fake;
  };
  return { holds, sent, consumer, orphans, deliver, advance: (ms: number) => (clock += ms) };
}

describe('PackHolds', () => {
  afterEach(() => jest.useRealTimers());

  it("publishes a rest to this process's hold queue and resolves once it is back, unacked, in this worker's hands", async () => {
    const { holds, sent, deliver } = setUp();

    const held = holds.hold('video', pack, [body(1), body(2)], [{ requestId: 'req-1' }, {}]);
    await settle();
    expect(sent.map((message) => [message.exchange, message.routingKey, message.body.entries.length])).toEqual([
      ['', topology.holdQueue('video', holds.holder), 2],
    ]);
    expect(sent[0].options).toMatchObject({ priority: 3, headers: { 'x-cask-request-ids': ['req-1', null] } });
    expect(holds.holder).toMatch(/^worker-1\.[0-9a-f]{8}$/);
    sent[0].confirm.resolve();
    const back = deliver();

    const rest = await held;
    expect(back.settled).toEqual([]);
    rest?.ack();
    expect(back.settled).toEqual(['ack']);
  });

  it('gives up on a rest not back in time, drops the copy that comes later, and splits nothing from that queue for a while', async () => {
    jest.useFakeTimers();
    const { holds, sent, deliver, orphans, advance } = setUp();

    const held = holds.hold('video', pack, [body(1)], [{}]);
    await settle();
    sent[0].confirm.resolve();
    await settle();
    jest.advanceTimersByTime(1000);
    await expect(held).resolves.toBeUndefined();
    const copy = deliver();
    expect([copy.settled, orphans]).toEqual([['ack'], []]);

    await expect(holds.hold('video', pack, [body(1)], [{}])).resolves.toBeUndefined();
    expect(sent).toHaveLength(1);
    advance(SPLIT_PAUSE_AFTER_LATE_MS);
    void holds.hold('video', pack, [body(1)], [{}]);
    await settle();
    expect(sent).toHaveLength(2);
  });

  it('gives up on a rest the broker did not confirm, and drops it if it came all the same', async () => {
    const { holds, sent, deliver } = setUp();

    const held = holds.hold('video', pack, [body(1)], [{}]);
    await settle();
    const copy = deliver();
    sent[0].confirm.reject(new Error('confirm timed out'));

    await expect(held).resolves.toBeUndefined();
    expect(copy.settled).toEqual(['ack']);
  });

  it('holds a rest again when its channel was lost and the broker gave it back on the new one', async () => {
    const { holds, sent, deliver, orphans } = setUp();
    const held = holds.hold('video', pack, [body(1)], [{}]);
    await settle();
    sent[0].confirm.resolve();
    const first = deliver();
    const rest = await held;

    first.closeChannel();
    const again = deliver(sent[0].options.messageId, true);
    rest?.ack();

    expect([orphans, first.settled, again.settled]).toEqual([[], [], ['ack']]);
  });

  it('hands a rest it does not hold (a settled one requeued, an earlier process’s) to be moved on as a lost one', async () => {
    const { holds, sent, deliver, orphans } = setUp();
    const held = holds.hold('video', pack, [body(1)], [{}]);
    await settle();
    sent[0].confirm.resolve();
    deliver();
    (await held)?.nack(true);

    const requeued = deliver(sent[0].options.messageId, true);
    const stranger = deliver('01900000-0000-7000-8000-0000000000ff');

    expect(orphans).toEqual([
      ['video', requeued.delivery],
      ['video', stranger.delivery],
    ]);
  });

  it('splits nothing while the hold consumer is away, and on shutdown lets the splits under way finish first', async () => {
    const { holds, sent, consumer, deliver } = setUp();
    consumer.attached = false;
    await expect(holds.hold('video', pack, [body(1)], [{}])).resolves.toBeUndefined();
    consumer.attached = true;

    const held = holds.hold('video', pack, [body(1)], [{}]);
    await settle();
    const cancelled = holds.cancel();
    await settle();
    expect(consumer.attached).toBe(true);
    sent[0].confirm.resolve();
    deliver();
    await cancelled;

    expect([(await held) !== undefined, consumer.attached, sent.length]).toEqual([true, false, 1]);
    await expect(holds.hold('video', pack, [body(1)], [{}])).resolves.toBeUndefined();
  });
});
