import type { Delivery } from '@cask/core';
import { decodeJobMessage, encodePack } from '@cask/contracts';
import type { ConsumeMessage } from 'amqplib';
import { PackParts } from './pack-parts';

const entry = (n: number) => JSON.stringify({ v: 1, id: `01900000-0000-7000-8000-00000000000${n}`, type: 'demo.flaky' });

function fakeDelivery(): { delivery: Delivery; settled: string[] } {
  const settled: string[] = [];
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
): PackParts {
  const decoded = decodeJobMessage(delivery.message.content);
  if (!decoded.ok) throw new Error('bad pack');
  return new PackParts(delivery, decoded.value.entries, ['r1', undefined, 'r3'], putBack, onReleased);
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PackParts', () => {
  it("gives each job a message of its own, with its request id and without the pack's signature", () => {
    const { delivery } = fakeDelivery();
    const parts = partsOf(delivery);

    const [first, second] = [parts.part(0), parts.part(1)];
    expect(JSON.parse(first.message.content.toString()).id).toMatch(/1$/);
    expect(first.message.properties.headers).toEqual({ 'x-cask-request-id': 'r1' });
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
