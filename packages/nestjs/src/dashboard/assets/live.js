// GET /events over fetch (EventSource cannot send the Authorization header), parsed by hand. When the
// stream fails or ends, the page says so and polls instead, and the stream is tried again with backoff.

import { apiUrl } from './session.js';

const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 30_000;

/**
 * @typedef {{ event: string, data: any }} LiveEvent
 * @typedef {'connecting' | 'live' | 'polling' | 'off'} LiveMode
 */

export class LiveFeed {
  /**
   * @param {import('./api.js').Api} api
   * @param {{ onEvent: (event: LiveEvent) => void, onMode: (mode: LiveMode) => void }} handlers
   */
  constructor(api, handlers) {
    this.api = api;
    this.handlers = handlers;
    this.retryMs = FIRST_RETRY_MS;
    /** @type {AbortController | undefined} */
    this.controller = undefined;
    /** @type {number | undefined} */
    this.timer = undefined;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    void this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.controller?.abort();
    this.handlers.onMode('off');
  }

  async connect() {
    this.handlers.onMode('connecting');
    const controller = new AbortController();
    this.controller = controller;
    try {
      const response = await fetch(apiUrl('/events'), {
        headers: { accept: 'text/event-stream', ...this.api.headers() },
        signal: controller.signal,
        cache: 'no-store',
      });
      if (!response.ok || !response.body) throw new Error(`GET /events answered ${response.status}`);
      this.retryMs = FIRST_RETRY_MS;
      this.handlers.onMode('live');
      await this.read(response.body.getReader());
    } catch {
      // A failed or broken stream: polling takes over below.
    }
    if (this.stopped || controller.signal.aborted) return;
    this.handlers.onMode('polling');
    this.timer = window.setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }

  /** @param {ReadableStreamDefaultReader<Uint8Array>} reader */
  async read(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) this.handlers.onEvent(event);
      }
    }
  }
}

/**
 * One server-sent event from its lines; comments (keep-alives) give none.
 * @param {string} block
 * @returns {LiveEvent | undefined}
 */
export function parseEvent(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  try {
    return { event, data: JSON.parse(data.join('\n')) };
  } catch {
    return undefined;
  }
}
