import type { ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import { SseResponse, formatSseEvent } from './sse-response';

/** What SseResponse uses of a Node response. */
class FakeResponse extends EventEmitter {
  statusCode = 0;
  headers: Record<string, string> = {};
  chunks: string[] = [];
  flushed = false;
  ended = false;
  closed = false;
  writableLength = 0;
  socket: { destroyed: boolean } | null = { destroyed: false };

  setHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }

  flushHeaders(): void {
    this.flushed = true;
  }

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }

  end(): void {
    this.ended = true;
    this.closed = true;
    this.emit('close');
  }
}

const OPTIONS = { heartbeatMs: 15_000, maxBufferedBytes: 1_000 };

describe('SseResponse', () => {
  let fake: FakeResponse;
  let sse: SseResponse;

  beforeEach(() => {
    jest.useFakeTimers();
    fake = new FakeResponse();
    sse = new SseResponse(fake as unknown as ServerResponse, OPTIONS);
  });

  afterEach(() => jest.useRealTimers());

  it('writes an event as id, event and one data line of JSON', () => {
    expect(formatSseEvent({ event: 'status', id: '1.2.2', data: { status: 'running', note: 'two\nlines' } })).toBe(
      'id: 1.2.2\nevent: status\ndata: {"status":"running","note":"two\\nlines"}\n\n',
    );
    expect(formatSseEvent({ event: 'progress', data: 50 })).toBe('event: progress\ndata: 50\n\n');
  });

  it('answers 200 with event-stream headers, sent at once', () => {
    expect(sse.open()).toBe(true);
    expect(fake.statusCode).toBe(200);
    expect(fake.headers).toEqual({
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    expect(fake.flushed).toBe(true);
  });

  it('sends a heartbeat comment on each interval until it ends', () => {
    sse.open();
    jest.advanceTimersByTime(2 * OPTIONS.heartbeatMs);
    expect(fake.chunks).toEqual([': heartbeat\n\n', ': heartbeat\n\n']);
    sse.end();
    jest.advanceTimersByTime(2 * OPTIONS.heartbeatMs);
    expect(fake.chunks).toHaveLength(2);
  });

  it('tells its close listeners once, whether the server ends it or the client leaves', () => {
    const closed = jest.fn();
    sse.onClose(closed);
    sse.open();
    fake.emit('close');
    sse.end();
    sse.send({ event: 'status', data: {} });
    expect(closed).toHaveBeenCalledTimes(1);
    expect(fake.chunks).toEqual([]);
    const late = jest.fn();
    sse.onClose(late);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('does not start for a client that already left', () => {
    const closed = jest.fn();
    sse.onClose(closed);
    fake.socket = { destroyed: true };
    expect(sse.open()).toBe(false);
    expect(closed).toHaveBeenCalledTimes(1);
    expect(fake.flushed).toBe(false);
  });

  it('ends the stream of a client that falls too far behind', () => {
    const closed = jest.fn();
    sse.onClose(closed);
    sse.open();
    sse.send({ event: 'progress', data: 1 });
    fake.writableLength = OPTIONS.maxBufferedBytes + 1;
    sse.send({ event: 'progress', data: 2 });
    expect(fake.ended).toBe(true);
    expect(closed).toHaveBeenCalledTimes(1);
  });
});
