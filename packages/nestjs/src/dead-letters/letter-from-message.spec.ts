import type { ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_BODY_LIMIT } from '../store/dead-letter-store';
import { letterFromMessage } from './letter-from-message';

const NOW = 1_700_000_000_000;
const JOB_ID = '01900000-0000-7000-8000-000000000001';

function message(
  content: Buffer | string,
  headers: Record<string, unknown> = {},
  properties: Record<string, unknown> = {},
): ConsumeMessage {
  return {
    content: Buffer.isBuffer(content) ? content : Buffer.from(content),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'ns.dlx', routingKey: '' },
    properties: { headers, ...properties },
  } as unknown as ConsumeMessage;
}

describe('letterFromMessage', () => {
  it('reads the reason, detail, source and time from Cask’s headers, and the job from an envelope body', () => {
    const letter = letterFromMessage(
      message(
        JSON.stringify({ v: 1, id: JOB_ID, type: 'email.welcome', payload: {} }),
        {
          'x-cask-reason': 'exhausted',
          'x-cask-detail': '3 attempt(s) failed',
          'x-cask-source-queue': 'ns.jobs.default',
          'x-cask-dead-lettered-at': NOW - 5,
          'x-cask-request-id': 'req-1',
        },
        { messageId: 'm-1' },
      ),
      NOW,
    );
    expect(letter).toMatchObject({
      messageId: 'm-1',
      reason: 'exhausted',
      detail: '3 attempt(s) failed',
      sourceQueue: 'ns.jobs.default',
      jobId: JOB_ID,
      type: 'email.welcome',
      bodyEncoding: 'utf8',
      deadLetteredAt: NOW - 5,
      storedAt: NOW,
      headers: { 'x-cask-request-id': 'req-1' },
    });
  });

  it('takes the reason, queue and time of a message the broker dead-lettered from x-death', () => {
    const letter = letterFromMessage(
      message('plain', { 'x-death': [{ reason: 'maxlen', queue: 'ns.jobs.video', time: { '!': 'timestamp', value: 1_600_000_000 } }] }),
      NOW,
    );
    expect(letter).toMatchObject({
      reason: 'maxlen',
      sourceQueue: 'ns.jobs.video',
      detail: 'dead-lettered by the broker (maxlen)',
      deadLetteredAt: 1_600_000_000_000,
      jobId: null,
      messageId: null,
    });
  });

  it('keeps bodies that are not UTF-8 text, or hold a NUL, byte for byte as base64', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    expect(letterFromMessage(message(bytes), NOW)).toMatchObject({ body: bytes.toString('base64'), bodyEncoding: 'base64', bodyBytes: 4 });
    expect(letterFromMessage(message('a\u0000b'), NOW)).toMatchObject({ bodyEncoding: 'base64' });
    expect(letterFromMessage(message('naïve'), NOW)).toMatchObject({
      body: 'naïve',
      bodyEncoding: 'utf8',
      bodyBytes: 6,
      reason: 'unknown',
    });
  });

  it('cuts a large body at the limit (a character cut in two left out) and keeps its whole size', () => {
    const body = Buffer.from('é'.repeat(DEAD_LETTER_BODY_LIMIT));
    const letter = letterFromMessage(message(body), NOW);
    expect(letter.bodyEncoding).toBe('utf8');
    expect(letter.bodyBytes).toBe(body.length);
    expect(Buffer.byteLength(letter.body)).toBe(DEAD_LETTER_BODY_LIMIT);
  });

  it('turns headers JSON cannot hold into text, and leaves out a huge set with a note', () => {
    const odd = letterFromMessage(message('x', { big: 2n ** 70n, small: 5n, bytes: Buffer.from('hi') }), NOW);
    expect(odd.headers).toEqual({ big: (2n ** 70n).toString(), small: 5, bytes: 'hi' });
    const huge = letterFromMessage(message('x', { filler: 'y'.repeat(20_000) }), NOW);
    expect(Object.keys(huge.headers)).toEqual(['x-cask-note']);
  });

  it('replaces NUL characters in the text it keeps, which PostgreSQL would refuse', () => {
    const letter = letterFromMessage(
      message(JSON.stringify({ id: JOB_ID, type: 'a\u0000b' }), {
        'x-cask-reason': 'r\u0000',
        'x-cask-detail': 'd\u0000',
        'x-cask-source-queue': 'q\u0000',
      }),
      NOW,
    );
    expect(letter).toMatchObject({ reason: 'r\ufffd', detail: 'd\ufffd', sourceQueue: 'q\ufffd', type: 'a\ufffdb', jobId: JOB_ID });
  });
});
