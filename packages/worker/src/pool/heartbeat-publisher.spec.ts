import { fakeConfirmPublisher, settle } from '@cask/testing';
import { decodeHeartbeat, topologyFor } from '@cask/contracts';
import { HeartbeatPublisher, WorkerIdentity } from './heartbeat-publisher';

const identity: WorkerIdentity = {
  workerId: 'video-1',
  host: 'box-a',
  pid: 4242,
  queues: ['video'],
  concurrency: 4,
  startedAt: 1_700_000_000_000,
};
const topology = topologyFor('acme');

function setup() {
  const { publisher, sent } = fakeConfirmPublisher(decodeHeartbeat);
  let inFlight = 0;
  let now = 1_700_000_001_000;
  const heartbeats = new HeartbeatPublisher(
    publisher,
    topology,
    identity,
    () => inFlight,
    5000,
    () => now,
  );
  return {
    heartbeats,
    sent,
    setInFlight: (n: number) => (inFlight = n),
    setNow: (ms: number) => (now = ms),
  };
}

describe('HeartbeatPublisher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('describes the worker: id, host, pid, queues, concurrency, jobs in flight, start and send time, the message formats it reads', () => {
    const h = setup();
    h.setInFlight(3);
    h.setNow(1_700_000_009_000);

    expect(h.heartbeats.heartbeat()).toEqual({
      worker_id: 'video-1',
      host: 'box-a',
      pid: 4242,
      queues: ['video'],
      concurrency: 4,
      in_flight: 3,
      started_at: 1_700_000_000_000,
      at: 1_700_000_009_000,
      formats: [1, 2],
    });
    expect(h.heartbeats.heartbeat(true)).toMatchObject({ worker_id: 'video-1', stopping: true });
  });

  it('sends one heartbeat at start to the events exchange with the heartbeat routing key, then one per interval', async () => {
    const h = setup();
    h.heartbeats.start();

    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]).toMatchObject({ exchange: 'acme.events', routingKey: 'heartbeat', options: { type: 'heartbeat' } });
    h.sent[0].confirm.resolve();
    await settle();

    h.setInFlight(2);
    jest.advanceTimersByTime(5000);
    expect(h.sent).toHaveLength(2);
    expect(h.sent[1].body.in_flight).toBe(2);
    expect(h.sent[1].options.messageId).not.toBe(h.sent[0].options.messageId);
  });

  it('skips a beat while the previous heartbeat is still unconfirmed', async () => {
    const h = setup();
    h.heartbeats.start();

    jest.advanceTimersByTime(15_000);
    expect(h.sent).toHaveLength(1);

    h.sent[0].confirm.resolve();
    await settle();
    jest.advanceTimersByTime(5000);
    expect(h.sent).toHaveLength(2);
  });

  it('keeps beating after a heartbeat the broker did not take', async () => {
    const h = setup();
    h.heartbeats.start();
    h.sent[0].confirm.reject(new Error('Not connected to RabbitMQ'));
    await settle();

    jest.advanceTimersByTime(5000);
    expect(h.sent).toHaveLength(2);
  });

  it('says goodbye after the heartbeat in flight is settled, and sends nothing after it', async () => {
    const h = setup();
    h.heartbeats.start();
    const goodbye = h.heartbeats.goodbye();
    await settle();
    expect(h.sent).toHaveLength(1);

    h.sent[0].confirm.resolve();
    await settle();
    expect(h.sent).toHaveLength(2);
    expect(h.sent[1].body.stopping).toBe(true);
    expect(h.sent[1].options.type).toBe('goodbye');
    h.sent[1].confirm.resolve();
    await goodbye;

    jest.advanceTimersByTime(20_000);
    expect(h.sent).toHaveLength(2);
  });

  it('says no goodbye when it never started, nor a second one', async () => {
    const h = setup();
    await h.heartbeats.goodbye();
    expect(h.sent).toHaveLength(0);

    h.heartbeats.start();
    h.sent[0].confirm.resolve();
    const first = h.heartbeats.goodbye();
    await settle();
    h.sent[1].confirm.resolve();
    await first;
    await h.heartbeats.goodbye();
    expect(h.sent.map((sent) => sent.options.type)).toEqual(['heartbeat', 'goodbye']);
  });

  it('resolves its goodbye even when the broker does not take it', async () => {
    const h = setup();
    h.heartbeats.start();
    h.sent[0].confirm.resolve();
    await settle();

    const goodbye = h.heartbeats.goodbye();
    await settle();
    h.sent[1].confirm.reject(new Error('Not connected to RabbitMQ'));

    await expect(goodbye).resolves.toBeUndefined();
  });
});
