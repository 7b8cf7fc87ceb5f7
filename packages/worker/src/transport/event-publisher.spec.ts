import { JobEvent, decodeEvents, topologyFor } from '@cask/contracts';
import { fakeConfirmPublisher, nextTurn, settle, track } from '@cask/testing';
import { v7 as uuidv7 } from 'uuid';
import { EventPublisher } from './event-publisher';

function setup() {
  const { publisher, sent } = fakeConfirmPublisher(decodeEvents);
  return { events: new EventPublisher(publisher, topologyFor('acme')), sent };
}

let at = 1_700_000_000_000;
function succeeded(): JobEvent {
  at += 1;
  return {
    kind: 'succeeded',
    job_id: uuidv7(),
    type: 'email.welcome',
    series: 1,
    attempt: 1,
    at,
    worker: 'worker-1',
    started_at: at - 1,
    result: null,
  };
}

describe('EventPublisher', () => {
  it('sends the events published in one turn as one message to the events exchange, in order, resolving once it is confirmed', async () => {
    const { events, sent } = setup();
    const [a, b, c] = [succeeded(), succeeded(), succeeded()];

    const calls = [track(events.publish([a])), track(events.publish([b, c]))];
    await nextTurn();

    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ exchange: 'acme.events', routingKey: 'event', body: [a, b, c], options: { type: 'batch' } });
    expect(calls.map((call) => call.outcome)).toEqual(['pending', 'pending']);
    sent[0].confirm.resolve();
    await settle();
    expect(calls.map((call) => call.outcome)).toEqual(['resolved', 'resolved']);
  });

  it('gives each message its own id, and a message of one event the event kind as type', async () => {
    const { events, sent } = setup();

    void events.publish([succeeded()]);
    await nextTurn();
    void events.publish([succeeded()]);
    await nextTurn();

    expect(sent.map((message) => message.options.type)).toEqual(['succeeded', 'succeeded']);
    expect(sent[0].options.messageId).not.toBe(sent[1].options.messageId);
  });

  it('rejects every publish whose events were in a refused message, and no other', async () => {
    const { events, sent } = setup();
    const refused = new Error('RabbitMQ refused the message');

    const inRefused = [track(events.publish([succeeded()])), track(events.publish([succeeded()]))];
    await nextTurn();
    const inConfirmed = track(events.publish([succeeded()]));
    await nextTurn();
    sent[0].confirm.reject(refused);
    sent[1].confirm.resolve();
    await settle();

    expect(inRefused).toEqual([
      { outcome: 'rejected', error: refused },
      { outcome: 'rejected', error: refused },
    ]);
    expect(inConfirmed.outcome).toBe('resolved');
  });

  it('holds events while 8 messages await confirm, then sends them in one message once one is confirmed', async () => {
    const { events, sent } = setup();
    for (let i = 0; i < 8; i += 1) {
      void events.publish([succeeded()]);
      await nextTurn();
    }
    const held = [succeeded(), succeeded()];

    void events.publish([held[0]]);
    await nextTurn();
    void events.publish([held[1]]);
    await nextTurn();
    expect(sent).toHaveLength(8);

    sent[3].confirm.resolve();
    await nextTurn();
    expect(sent).toHaveLength(9);
    expect(sent[8].body).toEqual(held);
  });

  it('carries at most 500 events per message', async () => {
    const { events, sent } = setup();
    const all = Array.from({ length: 501 }, succeeded);

    for (const event of all) void events.publish([event]);
    await nextTurn();

    expect(sent.map((message) => message.body.length)).toEqual([500, 1]);
    expect(sent.flatMap((message) => message.body)).toEqual(all);
  });
});
