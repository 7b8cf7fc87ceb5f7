import { TestStores, openTestStores } from '@cask/testing';
import { AmqpConnection, ConfirmPublisher } from '@cask/core';
import * as contracts from '@cask/contracts';
import { Transform } from 'class-transformer';
import { IsInt } from 'class-validator';
import { REQUEST_ID_HEADER, decodeEnvelope, decodeJobMessage, topologyFor } from '@cask/contracts';
import { DemoFlaky, WelcomeEmail } from '@cask/examples';
import { EventEmitter } from 'node:events';
import { JobEventBus } from '../events/job-event-bus';
import { FlowGate } from '../flows/flow-gate';
import { GroupGate } from '../groups/group-gate';
import { JobMetrics } from '../metrics/job-metrics';
import { OutboxRelay } from '../outbox/outbox-relay';
import { AmqpAsyncDispatcher } from './amqp-async-dispatcher';
import { markChecked } from './checked-payloads';
import { BacklogFullError, FlowValidationError, IdempotencyConflictError } from './dispatch-errors';
import { InvalidPayloadError } from './invalid-payload.error';

/** How often a {@link CountedPayload} was built from a raw payload, that is, checked. */
let checks = 0;

class CountedPayload {
  @Transform(({ value }: { value: unknown }) => {
    checks += 1;
    return value;
  })
  @IsInt()
  n: number;
}

const Counted = contracts.defineJob('test.counted', { payload: CountedPayload });

interface Published {
  exchange: string;
  routingKey: string;
  content: Buffer;
  properties: { messageId: string; persistent: boolean; mandatory: boolean; priority?: number; headers?: Record<string, unknown> };
  callback: (err: Error | null) => void;
}

/** A confirm channel that records publishes and lets the test play the broker. */
class FakeConfirmChannel extends EventEmitter {
  readonly published: Published[] = [];
  writable = true;

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: Published['properties'],
    callback: Published['callback'],
  ): boolean {
    this.published.push({ exchange, routingKey, content, properties, callback });
    return this.writable;
  }

  async close(): Promise<void> {
    this.emit('close');
  }

  ack(index = this.published.length - 1): void {
    this.published[index].callback(null);
  }

  nack(index = this.published.length - 1): void {
    this.published[index].callback(new Error('nacked'));
  }

  /** What RabbitMQ does for a mandatory message no queue is bound for: basic.return, then the ack. */
  returnUnroutable(index = this.published.length - 1): void {
    this.emit('return', { content: this.published[index].content, properties: { messageId: this.published[index].properties.messageId } });
    this.ack(index);
  }
}

class FakeConnection extends EventEmitter {
  isConnected = true;
  isBlocked = false;
  readonly where = 'amqp://fake';
  constructor(readonly channel: FakeConfirmChannel) {
    super();
  }
  async createConfirmChannel(): Promise<FakeConfirmChannel> {
    return this.channel;
  }
}

/** Welcome emails, at most one at a time per address. */
const GroupedEmail = contracts.defineJob('test.grouped', { payload: WelcomeEmail.payload, group: { by: 'email', concurrency: 1 } });

/** A dispatcher and its relay over a fake connection, on a fresh in-memory store. */
async function dispatcherOver(
  connection: FakeConnection,
  outbox: ConstructorParameters<typeof OutboxRelay>[5],
  options: ConstructorParameters<typeof AmqpAsyncDispatcher>[2],
): Promise<{
  store: TestStores;
  relay: OutboxRelay;
  dispatcher: AmqpAsyncDispatcher;
  bus: JobEventBus;
  groups: GroupGate;
  flows: FlowGate;
}> {
  const store = openTestStores({ type: 'sqlite', path: ':memory:' });
  await store.migrate();
  const amqp = connection as unknown as AmqpConnection;
  const publisher = new ConfirmPublisher(amqp, { name: 'test', setup: async () => undefined, confirmTimeoutMs: 200 });
  await publisher.start();
  const relay = new OutboxRelay(store, store, publisher, amqp, topologyFor('unit'), outbox);
  const bus = new JobEventBus();
  const groups = new GroupGate(store, relay, bus, new contracts.JobCatalogue([GroupedEmail]), { buffer: 64, passMs: 1000 });
  const metrics = new JobMetrics();
  const flows = new FlowGate(store, relay, groups, bus, metrics);
  return { store, relay, dispatcher: new AmqpAsyncDispatcher(store, relay, options, metrics, groups, store, flows), bus, groups, flows };
}

/** Checks once per turn of the event loop, for up to 5 s (the relay deletes confirmed messages after a short delay). */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}

describe.each([1, 20])('AmqpAsyncDispatcher with its outbox relay (packs of up to %i), over a fake confirm channel', (packMaxJobs) => {
  const outbox = { maxBacklog: 2, pollMs: 1000, confirmTimeoutMs: 200, shutdownGraceMs: 10_000, packMaxJobs };
  const options = { idempotencyTtlMs: 24 * 3600 * 1000, maxPayloadBytes: new Map<string, number>() };
  let channel: FakeConfirmChannel;
  let connection: FakeConnection;
  let store: TestStores;
  let relay: OutboxRelay;
  let dispatcher: AmqpAsyncDispatcher;
  let bus: JobEventBus;
  let groups: GroupGate;
  let flows: FlowGate;

  beforeEach(async () => {
    channel = new FakeConfirmChannel();
    connection = new FakeConnection(channel);
    ({ store, relay, dispatcher, bus, groups, flows } = await dispatcherOver(connection, outbox, options));
  });

  afterEach(async () => {
    await flows.beforeApplicationShutdown();
    await groups.beforeApplicationShutdown();
    await relay.beforeApplicationShutdown();
    await store.close();
  });

  it('commits the job with its message, publishes it persistent and mandatory, and clears the outbox on the confirm', async () => {
    const id = await dispatcher.dispatch(WelcomeEmail, { email: 'ada@example.com', name: 'Ada' }, { priority: 3 });
    expect(await store.get(id)).toMatchObject({ status: 'queued', type: 'email.welcome', queue: 'default', priority: 3 });
    expect(await store.outboxBacklog()).toBe(1);

    await until(() => channel.published.length === 1);
    const message = channel.published[0];
    expect(message.exchange).toBe('unit.jobs');
    expect(message.routingKey).toBe('default');
    expect(message.properties).toMatchObject({ persistent: true, mandatory: true, priority: 3, messageId: id });
    const envelope = decodeEnvelope(message.content);
    expect(envelope.ok && envelope.value).toMatchObject({
      v: 1,
      id,
      type: 'email.welcome',
      attempt: 1,
      series: 1,
      max_attempts: WelcomeEmail.retry.maxAttempts,
      timeout_ms: WelcomeEmail.timeoutMs,
      payload: { email: 'ada@example.com', name: 'Ada' },
    });

    channel.ack(0);
    await until(async () => (await store.outboxBacklog()) === 0);
  });

  it('holds a grouped job in its group and publishes it once the job before it in the group has finished', async () => {
    groups.onApplicationBootstrap();
    const payload = { email: 'ada@example.com', name: 'Ada' };
    const first = await dispatcher.dispatch(GroupedEmail, payload);
    const second = await dispatcher.dispatch(GroupedEmail, payload);
    const other = await dispatcher.dispatch(GroupedEmail, { ...payload, email: 'bob@example.com' });

    await until(() => channel.published.length === 2);
    expect(channel.published.map((m) => m.properties.messageId).sort()).toEqual([first, other].sort());
    expect(await store.get(second)).toMatchObject({ status: 'queued', group: 'ada@example.com' });

    const base = { job_id: first, type: GroupedEmail.name, series: 1, attempt: 1, worker: 'w1' };
    await store.applyEvents([
      { kind: 'started', ...base, at: Date.now() },
      { kind: 'succeeded', ...base, at: Date.now(), started_at: Date.now(), result: null },
    ]);
    bus.publish({ source: 'worker', event: { kind: 'succeeded', ...base, at: Date.now(), started_at: Date.now(), result: null } });

    await until(() => channel.published.length === 3);
    expect(channel.published[2].properties.messageId).toBe(second);
  });

  it('publishes a flow’s first job at once, and its child once that has succeeded, with the result in its envelope', async () => {
    flows.onApplicationBootstrap();
    const payload = { email: 'ada@example.com', name: 'Ada' };
    const { flowId, jobIds } = await dispatcher.dispatchFlow([
      { key: 'welcome', job: WelcomeEmail, payload },
      { key: 'again', job: WelcomeEmail, payload, parents: ['welcome'] },
    ]);

    await until(() => channel.published.length === 1);
    expect(channel.published[0].properties.messageId).toBe(jobIds.welcome);
    expect(await store.get(jobIds.again)).toMatchObject({ status: 'waiting', flowId });
    const base = { job_id: jobIds.welcome, type: WelcomeEmail.name, series: 1, attempt: 1, worker: 'w1' };
    const done = { kind: 'succeeded' as const, ...base, at: Date.now(), started_at: Date.now(), result: { message_id: 'm1' } };
    await store.applyEvents([{ kind: 'started', ...base, at: Date.now() }, done]);
    bus.publish({ source: 'worker', event: done });

    await until(() => channel.published.length === 2);
    const child = decodeEnvelope(channel.published[1].content);
    if (!child.ok) throw new Error(child.reason);
    expect(child.value.id).toBe(jobIds.again);
    expect(child.value.parents).toEqual({
      welcome: { job_id: jobIds.welcome, type: WelcomeEmail.name, status: 'succeeded', result: { message_id: 'm1' }, error: null },
    });
    expect(await store.get(jobIds.again)).toMatchObject({ status: 'queued' });
  });

  it('refuses a flow with a bad shape or a bad job, naming each field, storing nothing', async () => {
    const payload = { email: 'ada@example.com', name: 'Ada' };
    const refused = dispatcher.dispatchFlow([
      { key: 'a', job: WelcomeEmail, payload, parents: ['b'] },
      { key: 'b', job: WelcomeEmail, payload: { email: 'not an address', name: 'Ada' }, parents: ['a'] },
    ]);

    await expect(refused).rejects.toBeInstanceOf(FlowValidationError);
    await expect(refused).rejects.toMatchObject({
      errors: [
        { field: 'nodes[0].parents', reason: expect.stringMatching(/^makes a cycle: (a → b → a|b → a → b)$/) },
        { field: 'nodes[1].payload.email', reason: expect.any(String) },
      ],
    });
    expect(await store.list({ tenant: 'default', limit: 10 })).toEqual([]);
    expect(channel.published).toEqual([]);
  });

  it('refuses a grouped dispatch whose group field is missing, or whose own group is empty, storing nothing', async () => {
    const byTeam = contracts.defineJob('test.by-team', { payload: WelcomeEmail.payload, group: { by: 'team' } });
    await expect(dispatcher.dispatch(byTeam, { email: 'ada@example.com', name: 'Ada' })).rejects.toMatchObject({
      errors: [{ field: 'team', reason: expect.stringContaining("it is the job's group") }],
      inPayload: true,
    });
    await expect(dispatcher.dispatch(WelcomeEmail, { email: 'ada@example.com', name: 'Ada' }, { group: '' })).rejects.toMatchObject({
      errors: [{ field: 'group', reason: 'must be 1 to 200 characters' }],
      inPayload: false,
    });
    expect(await store.outboxBacklog()).toBe(0);
    expect(await store.list({ tenant: 'default', limit: 10 })).toEqual([]);
  });

  it('carries per-dispatch attempts, backoff and timeout in the job and its message', async () => {
    const backoff = { type: 'fixed' as const, baseMs: 50, capMs: 50, jitter: 0 };
    const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 1 }, { maxAttempts: 5, backoff, timeoutMs: 1234 });
    await until(() => channel.published.length === 1);
    const envelope = decodeEnvelope(channel.published[0].content);
    expect(envelope.ok && envelope.value).toMatchObject({
      max_attempts: 5,
      timeout_ms: 1234,
      backoff: { type: 'fixed', base_ms: 50, cap_ms: 50, jitter: 0 },
    });
    expect(await store.get(id)).toMatchObject({ maxAttempts: 5, timeoutMs: 1234, backoff });
  });

  it.each([
    ['nacks the message', (c: FakeConfirmChannel) => c.nack(0)],
    ['returns it as unroutable', (c: FakeConfirmChannel) => c.returnUnroutable(0)],
    ['closes the channel before confirming', (c: FakeConfirmChannel) => c.published[0].callback(new Error('channel closed'))],
  ])('keeps the job in the outbox when the broker %s, and the relay publishes it again', async (_what, broker) => {
    const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await until(() => channel.published.length === 1);
    broker(channel);
    // Released by the failed inline publish, the relay takes it again at once.
    await until(() => channel.published.length === 2);
    expect(channel.published[1].properties.messageId).toBe(id);
    expect(await store.outboxBacklog()).toBe(1);
    channel.ack(1);
    await until(async () => (await store.outboxBacklog()) === 0);
    expect(await store.get(id)).toMatchObject({ status: 'queued' });
  });

  it("carries the request id in a header, on the inline publish and on the relay's from the stored message", async () => {
    const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 0 }, { requestId: 'checkout-42' });
    await until(() => channel.published.length === 1);
    expect(channel.published[0].properties.headers?.[REQUEST_ID_HEADER]).toBe('checkout-42');

    // The relay publishes it again from its outbox row, which must have kept the id.
    channel.nack(0);
    await until(() => channel.published.length === 2);
    expect(channel.published[1].properties).toMatchObject({ messageId: id, headers: { [REQUEST_ID_HEADER]: 'checkout-42' } });
    channel.ack(1);

    await dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await until(() => channel.published.length === 3);
    expect(channel.published[2].properties.headers?.[REQUEST_ID_HEADER]).toBeUndefined();
    channel.ack(2);
  });

  it('refuses a malformed request id as an invalid option, storing nothing', async () => {
    const error = await dispatcher.dispatch(DemoFlaky, { fail_times: 0 }, { requestId: 'two words' }).catch((err: unknown) => err);

    expect((error as InvalidPayloadError).errors).toEqual([
      { field: 'request_id', reason: 'request_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : -' },
    ]);
    expect(await store.list({ tenant: 'default', limit: 10 })).toEqual([]);
  });

  it('accepts jobs while disconnected and publishes them from the outbox once connected', async () => {
    connection.isConnected = false;
    const ids = [await dispatcher.dispatch(DemoFlaky, { fail_times: 0 }), await dispatcher.dispatch(DemoFlaky, { fail_times: 1 })];
    expect(channel.published).toHaveLength(0);
    expect(await store.outboxBacklog()).toBe(2);

    connection.isConnected = true;
    // The jobs the published messages carry, one message each or packed together.
    const publishedIds = () =>
      channel.published.flatMap((message) => {
        const decoded = decodeJobMessage(message.content);
        return decoded.ok ? decoded.value.entries.map((entry) => (entry.decoded.ok ? entry.decoded.value.id : '?')) : [];
      });
    // What the 'connected' event does; repeated because the failed publishes release their rows asynchronously.
    await until(() => {
      relay.kick();
      return publishedIds().length === 2;
    });
    expect(publishedIds().sort()).toEqual([...ids].sort());
    channel.published.forEach((_message, index) => channel.ack(index));
    await until(async () => (await store.outboxBacklog()) === 0);
  });

  it('refuses a dispatch with BacklogFullError, storing nothing, once the outbox is at its bound while disconnected', async () => {
    connection.isConnected = false;
    await dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await expect(dispatcher.dispatch(DemoFlaky, { fail_times: 0 })).rejects.toBeInstanceOf(BacklogFullError);
    expect(await store.list({ tenant: 'default', limit: 10 })).toHaveLength(2);
  });

  it('refuses while the broker blocks publishers just as while disconnected', async () => {
    connection.isBlocked = true;
    await dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await expect(dispatcher.dispatch(DemoFlaky, { fail_times: 0 })).rejects.toBeInstanceOf(BacklogFullError);
    expect(channel.published).toHaveLength(0);
  });

  it('rejects an invalid payload or option before storing or publishing anything', async () => {
    const error = await dispatcher.dispatch(WelcomeEmail, { email: 'nope', name: 'Ada' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidPayloadError);
    expect((error as InvalidPayloadError).errors.map((e) => e.field)).toEqual(['email']);
    const option = await dispatcher.dispatch(DemoFlaky, { fail_times: 0 }, { maxAttempts: 0 }).catch((err: unknown) => err);
    expect((option as InvalidPayloadError).errors.map((e) => e.field)).toEqual(['max_attempts']);
    expect(channel.published).toHaveLength(0);
    expect(await store.list({ tenant: 'default', limit: 10 })).toEqual([]);
  });

  it('returns the first job for a repeated Idempotency-Key and publishes it once', async () => {
    const first = await dispatcher.dispatch(DemoFlaky, { fail_times: 2 }, { idempotencyKey: 'order-42' });
    const again = await dispatcher.dispatch(DemoFlaky, { fail_times: 2 }, { idempotencyKey: 'order-42' });
    expect(again).toBe(first);
    await until(() => channel.published.length === 1);
    expect(await store.list({ tenant: 'default', limit: 10 })).toHaveLength(1);
  });

  it('refuses a repeated Idempotency-Key with a different request', async () => {
    await dispatcher.dispatch(DemoFlaky, { fail_times: 2 }, { idempotencyKey: 'order-43' });
    await expect(dispatcher.dispatch(DemoFlaky, { fail_times: 3 }, { idempotencyKey: 'order-43' })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    await expect(dispatcher.dispatch(DemoFlaky, { fail_times: 2 }, { idempotencyKey: 'order-43', priority: 5 })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
  });

  it('waits for drain before writing more when the channel buffer is full', async () => {
    channel.writable = false;
    await dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
    await until(() => channel.published.length === 1);
    channel.writable = true;
    await dispatcher.dispatch(DemoFlaky, { fail_times: 1 });
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(channel.published).toHaveLength(1);
    channel.emit('drain');
    await until(() => channel.published.length === 2);
  });

  it('leaves no drain or close listener behind on the channel after a drain', async () => {
    const closeListeners = channel.listenerCount('close');
    for (let round = 0; round < 3; round += 1) {
      channel.writable = false;
      await dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
      await until(() => channel.listenerCount('drain') === 1);
      channel.writable = true;
      channel.emit('drain');
      await until(() => channel.listenerCount('drain') === 0);
    }
    expect(channel.listenerCount('close')).toBe(closeListeners);
  });

  it('getResult answers null for an unknown or malformed id and the view for a stored one', async () => {
    expect(await dispatcher.getResult('01900000-0000-7000-8000-000000000000')).toBeNull();
    expect(await dispatcher.getResult('not-an-id')).toBeNull();
    const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 2 });
    expect(await dispatcher.getResult(id)).toMatchObject({
      id,
      type: 'demo.flaky',
      queue: 'default',
      status: 'queued',
      attempts: 0,
      result: null,
      nextAttemptAt: null,
      createdAt: expect.any(Date),
    });
  });
});

describe('AmqpAsyncDispatcher packing the jobs that are ready at once', () => {
  let channel: FakeConfirmChannel;
  let store: TestStores;
  let relay: OutboxRelay;
  let dispatcher: AmqpAsyncDispatcher;

  beforeEach(async () => {
    channel = new FakeConfirmChannel();
    const connection = new FakeConnection(channel);
    ({ store, relay, dispatcher } = await dispatcherOver(
      connection,
      { maxBacklog: 10_000, pollMs: 1000, confirmTimeoutMs: 200, shutdownGraceMs: 10_000, packMaxJobs: 20 },
      { idempotencyTtlMs: 60_000, maxPayloadBytes: new Map() },
    ));
  });

  afterEach(async () => {
    await relay.beforeApplicationShutdown();
    await store.close();
  });

  /** The jobs each published message carries, as [routing key, priority, job ids]. */
  const messages = () =>
    channel.published.map((message) => {
      const decoded = decodeJobMessage(message.content);
      if (!decoded.ok) throw new Error(decoded.reason);
      const ids = decoded.value.entries.map((entry) => (entry.decoded.ok ? entry.decoded.value.id : '?'));
      return [message.routingKey, message.properties.priority, decoded.value.packed, ids] as const;
    });

  it('sends a batch as packs of up to 20 jobs per queue and priority, in order, and a lone job alone', async () => {
    const items = [
      ...Array.from({ length: 45 }, () => ({ job: DemoFlaky, payload: { fail_times: 0 } })),
      { job: DemoFlaky, payload: { fail_times: 0 }, options: { priority: 7 } },
    ];
    const ids = await dispatcher.dispatchMany(items);
    await until(() => channel.published.length === 4);
    expect(messages()).toEqual([
      ['default', 0, true, ids.slice(0, 20)],
      ['default', 0, true, ids.slice(20, 40)],
      ['default', 0, true, ids.slice(40, 45)],
      ['default', 7, false, [ids[45]]],
    ]);
    channel.published.forEach((_message, index) => channel.ack(index));
    await until(async () => (await store.outboxBacklog()) === 0);

    const lone = await dispatcher.dispatch(WelcomeEmail, { email: 'ada@example.com', name: 'Ada' });
    await until(() => channel.published.length === 5);
    expect(messages()[4]).toEqual(['default', 0, false, [lone]]);
    expect(decodeEnvelope(channel.published[4].content).ok).toBe(true);
  });

  it('hands every job of a refused pack back to the outbox', async () => {
    const ids = await dispatcher.dispatchMany(Array.from({ length: 3 }, () => ({ job: DemoFlaky, payload: { fail_times: 0 } })));
    await until(() => channel.published.length === 1);
    expect(messages()[0][3]).toEqual(ids);
    channel.nack(0);
    // Released, so the relay publishes them again at once, together.
    await until(() => channel.published.length === 2);
    expect(messages()[1][3]).toEqual(ids);
    channel.ack(1);
    await until(async () => (await store.outboxBacklog()) === 0);
  });

  it('checks a payload once: one the batch route checked goes as checked, any other is checked here', async () => {
    const raw = { n: 1 };
    const checked = contracts.validatePayload(Counted, raw);
    if (!checked.ok) throw new Error('the payload is valid');
    markChecked(checked.value, Counted, raw);
    checks = 0;

    await dispatcher.dispatchMany([
      { job: Counted, payload: checked.value },
      { job: Counted, payload: { n: 2 } },
    ]);

    expect(checks).toBe(1);
    // Marked for its own job type only: under another it is checked like any payload.
    await expect(dispatcher.dispatchMany([{ job: WelcomeEmail, payload: checked.value as never }])).rejects.toThrow(
      'Invalid jobs in batch',
    );
  });
});

describe('OutboxRelay deleting confirmed messages', () => {
  const outbox = { maxBacklog: 100, pollMs: 1000, confirmTimeoutMs: 200, shutdownGraceMs: 10_000, packMaxJobs: 1 };
  const options = { idempotencyTtlMs: 24 * 3600 * 1000, maxPayloadBytes: new Map<string, number>() };

  afterEach(() => jest.useRealTimers());

  it('deletes in rounds on its timer: confirms that arrive during a delete wait for the next round, not start one at once', async () => {
    // Only the timers are fake, so the relay's 50 ms delay runs when the test says; SQLite and promises run as usual.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'Date', 'performance', 'hrtime'] });
    const channel = new FakeConfirmChannel();
    const { store, relay, dispatcher } = await dispatcherOver(new FakeConnection(channel), outbox, options);
    const deletes: string[][] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const deleteOutbox = store.deleteOutbox.bind(store);
    store.deleteOutbox = async (ids) => {
      deletes.push([...ids]);
      if (deletes.length === 1) await held;
      return deleteOutbox(ids);
    };
    const dispatchAndConfirm = async (): Promise<void> => {
      const id = await dispatcher.dispatch(DemoFlaky, { fail_times: 0 });
      await until(() => channel.published.some((message) => message.properties.messageId === id));
      channel.ack(channel.published.findIndex((message) => message.properties.messageId === id));
    };

    await dispatchAndConfirm();
    await until(async () => (await store.outboxBacklog()) === 1 && jest.getTimerCount() > 0);
    jest.advanceTimersByTime(50);
    await until(() => deletes.length === 1);
    await dispatchAndConfirm();
    await dispatchAndConfirm();
    release();
    await until(async () => (await store.outboxBacklog()) === 2);

    // The two confirmed during the first delete are still there, with no second delete started.
    expect(deletes.map((ids) => ids.length)).toEqual([1]);
    jest.advanceTimersByTime(50);
    await until(async () => (await store.outboxBacklog()) === 0);
    expect(deletes.map((ids) => ids.length)).toEqual([1, 2]);

    jest.useRealTimers();
    await relay.beforeApplicationShutdown();
    await store.close();
  });
});
