import type { Delivery } from '@cask/core';
import { decodeJobMessage, encodePack } from '@cask/contracts';
import type { ConsumeMessage } from 'amqplib';
import { PackParts, PackSplit } from './pack-parts';

const entry = (n: number) => JSON.stringify({ v: 1, id: `01900000-0000-7000-8000-00000000000${n}`, type: 'demo.flaky' });

function fakeDelivery(settled: string[] = []): { delivery: Delivery; settled: string[] } {
  const message = {
    content: encodePack([entry(1), entry(2), entry(3)]),
    fields: { redelivered: false },
    properties: { priority: 4, headers: { 'x-cask-signature': 'sig', 'x-cask-request-ids': ['r1', null, 'r3'] } },
  } as unknown as ConsumeMessage;
  const delivery = {
    message,
    isChannelOpen: true,
    isSettled: false,
    ack: () => settled.push('ack') > 0,
    nack: (requeue: boolean) => settled.push(`nack(${requeue})`) > 0,
  } as unknown as Delivery;
  return { delivery, settled };
}

function partsOf(
  delivery: Delivery,
  putBack: (indexes: readonly number[]) => Promise<void> = async () => undefined,
  onReleased: (jobs: number) => void = () => undefined,
  split?: PackSplit,
): PackParts {
  const decoded = decodeJobMessage(delivery.message.content);
  if (!decoded.ok) throw new Error('bad pack');
  return new PackParts(
    delivery,
    decoded.value.entries,
    [{ requestId: 'r1', trace: { traceparent: 'tp-1' } }, {}, { requestId: 'r3' }],
    putBack,
    onReleased,
    split,
  );
}

/** A split whose holds resolve when the test says, with a held message that records how it is settled. */
function controlledSplit(afterMs = 1000) {
  const holds: Array<{ indexes: readonly number[]; resolve: (delivery: Delivery | undefined) => void; settled: string[] }> = [];
  const split: PackSplit = {
    afterMs,
    hold: (indexes) =>
      new Promise((resolve) => {
        holds.push({ indexes, resolve, settled: [] });
      }),
  };
  const give = (n: number) => holds[n].resolve(fakeDelivery(holds[n].settled).delivery);
  return { split, holds, give };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PackParts', () => {
  it("gives each job a message of its own, with its request id and trace and without the pack's signature", () => {
    const { delivery } = fakeDelivery();
    const parts = partsOf(delivery);

    const [first, second] = [parts.part(0), parts.part(1)];
    expect(JSON.parse(first.message.content.toString()).id).toMatch(/1$/);
    expect(first.message.properties.headers).toEqual({ 'x-cask-request-id': 'r1', traceparent: 'tp-1' });
    expect(second.message.properties.headers).toEqual({});
    expect(first.message.properties.priority).toBe(4);
  });

  it('acks the message once, when the last job is settled, and only then lets its jobs go', () => {
    const { delivery, settled } = fakeDelivery();
    const released: number[] = [];
    const parts = partsOf(delivery, undefined, (jobs) => released.push(jobs));
    const all = [0, 1, 2].map((index) => parts.part(index));

    all[2].ack();
    all[0].ack();
    expect([settled, released]).toEqual([[], []]);
    all[1].ack();
    all[1].ack();
    expect([settled, released]).toEqual([['ack'], [3]]);
    expect(all.every((part) => part.isSettled)).toBe(true);
  });

  it('puts back only the jobs handed back when others finished, then acks', async () => {
    const { delivery, settled } = fakeDelivery();
    const putBack = jest.fn(async () => undefined);
    const parts = partsOf(delivery, putBack);

    parts.part(0).ack();
    parts.part(2).nack(true);
    parts.part(1).nack(true);
    await flush();

    expect(putBack).toHaveBeenCalledWith([1, 2]);
    expect(settled).toEqual(['ack']);
  });

  it('requeues the message when every job is handed back, or when putting some back fails', async () => {
    const whole = fakeDelivery();
    const parts = partsOf(whole.delivery);
    [0, 1, 2].forEach((index) => parts.part(index).nack(true));
    expect(whole.settled).toEqual(['nack(true)']);

    const failing = fakeDelivery();
    const some = partsOf(failing.delivery, () => Promise.reject(new Error('broker away')));
    some.part(0).ack();
    some.part(1).ack();
    some.part(2).nack(true);
    await flush();
    expect(failing.settled).toEqual(['nack(true)']);
  });
});

describe('PackParts with a split', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const settleMicrotasks = async () => {
    for (let i = 0; i < 5; i += 1) await Promise.resolve();
  };

  it('splits off the unfinished rest a while after a job finished, acks the pack, and acks the rest when it is done', async () => {
    const { delivery, settled } = fakeDelivery();
    const released: number[] = [];
    const { split, holds, give } = controlledSplit(1000);
    const parts = partsOf(delivery, undefined, (jobs) => released.push(jobs), split);
    const all = [0, 1, 2].map((index) => parts.part(index));

    all[0].ack();
    all[2].ack();
    jest.advanceTimersByTime(999);
    expect(holds).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(holds.map((hold) => hold.indexes)).toEqual([[1]]);
    give(0);
    await settleMicrotasks();
    expect([settled, released]).toEqual([['ack'], [2]]);

    all[1].ack();
    expect([holds[0].settled, released]).toEqual([['ack'], [2, 1]]);
  });

  it('does not split a pack whose jobs all finish in time', () => {
    const { delivery, settled } = fakeDelivery();
    const { split, holds } = controlledSplit(1000);
    const parts = partsOf(delivery, undefined, undefined, split);

    [0, 1, 2].forEach((index, n) => {
      if (n > 0) jest.advanceTimersByTime(450);
      parts.part(index).ack();
    });
    jest.advanceTimersByTime(5000);

    expect([holds, settled]).toEqual([[], ['ack']]);
  });

  it('settles the rest as soon as its split is done when its jobs finished meanwhile', async () => {
    const { delivery, settled } = fakeDelivery();
    const released: number[] = [];
    const { split, holds, give } = controlledSplit();
    const parts = partsOf(delivery, undefined, (jobs) => released.push(jobs), split);

    parts.part(0).ack();
    jest.advanceTimersByTime(1000);
    parts.part(1).ack();
    parts.part(2).ack();
    expect(settled).toEqual([]);
    give(0);
    await settleMicrotasks();

    expect(holds[0].indexes).toEqual([1, 2]);
    expect([settled, holds[0].settled, released]).toEqual([['ack'], ['ack'], [1, 2]]);
  });

  it('keeps the pack when the rest could not be held, and tries again later', async () => {
    const { delivery, settled } = fakeDelivery();
    const { split, holds, give } = controlledSplit();
    const parts = partsOf(delivery, undefined, undefined, split);

    parts.part(0).ack();
    jest.advanceTimersByTime(1000);
    holds[0].resolve(undefined);
    await settleMicrotasks();
    expect(settled).toEqual([]);

    jest.advanceTimersByTime(1000);
    expect(holds.map((hold) => hold.indexes)).toEqual([
      [1, 2],
      [1, 2],
    ]);
    give(1);
    await settleMicrotasks();
    expect(settled).toEqual(['ack']);
  });

  it('splits the rest again, and puts back the jobs of a rest handed back instead of requeueing it', async () => {
    const { delivery } = fakeDelivery();
    const putBack = jest.fn(async () => undefined);
    const { split, holds, give } = controlledSplit();
    const parts = partsOf(delivery, putBack, undefined, split);
    const all = [0, 1, 2].map((index) => parts.part(index));

    all[0].ack();
    jest.advanceTimersByTime(1000);
    give(0);
    await settleMicrotasks();
    all[1].ack();
    jest.advanceTimersByTime(1000);
    expect(holds.map((hold) => hold.indexes)).toEqual([[1, 2], [2]]);
    give(1);
    await settleMicrotasks();
    expect(holds[0].settled).toEqual(['ack']);

    all[2].nack(true);
    await settleMicrotasks();
    expect(putBack).toHaveBeenCalledWith([2]);
    expect(holds[1].settled).toEqual(['ack']);
  });
});
