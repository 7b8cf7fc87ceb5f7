import { Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { LiveEventsOptions } from './live-events.options';

/** One server-sent event. */
export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

/** Where a stream writes its events. */
export interface SseSink {
  send(event: SseEvent): void;
  /** Ends the response; the client sees the stream close. */
  end(): void;
}

/** The wire form of an event. JSON has no raw line breaks, so the data is always a single line. */
export function formatSseEvent({ event, id, data }: SseEvent): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A Node response turned into a `text/event-stream`, with heartbeats and a bound on what it buffers. */
export class SseResponse implements SseSink {
  private readonly logger = new Logger(SseResponse.name);
  private readonly closeListeners: Array<() => void> = [];
  private heartbeat?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: Pick<LiveEventsOptions, 'heartbeatMs' | 'maxBufferedBytes'>,
  ) {}

  /** Sends the headers; false (and the close listeners called) if the client already left. */
  open(): boolean {
    const socket = this.response.socket;
    if (this.response.closed || !socket || socket.destroyed) {
      this.close();
      return false;
    }
    this.response.statusCode = 200;
    this.response.setHeader('Content-Type', 'text/event-stream');
    this.response.setHeader('Cache-Control', 'no-cache');
    this.response.setHeader('Connection', 'keep-alive');
    // nginx buffers responses by default, which would hold events back.
    this.response.setHeader('X-Accel-Buffering', 'no');
    this.response.flushHeaders();
    this.response.on('close', () => this.close());
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), this.options.heartbeatMs);
    return true;
  }

  send(event: SseEvent): void {
    this.write(formatSseEvent(event));
  }

  end(): void {
    if (this.closed) return;
    this.response.end();
    this.close();
  }

  /** Called once, when the stream ends for any reason (including right away if it has already ended). */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  private write(chunk: string): void {
    if (this.closed) return;
    this.response.write(chunk);
    if (this.response.writableLength > this.options.maxBufferedBytes) {
      this.logger.warn(`Closing an event stream whose client fell ${this.response.writableLength} bytes behind`);
      this.end();
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
