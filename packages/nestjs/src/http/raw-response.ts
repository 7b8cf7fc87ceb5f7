import type { ServerResponse } from 'node:http';

/** What `@Res()` gives a handler: Express's response, or Fastify's reply. */
export type PlatformResponse = ServerResponse | { raw: ServerResponse; hijack(): unknown };

/**
 * The Node response under either platform's, for a handler that writes the response itself (an event
 * stream, a file with its own headers). Under Fastify the reply is hijacked first, so Fastify neither
 * sends nor times out what the handler now owns.
 */
export function rawResponse(response: PlatformResponse): ServerResponse {
  if ('raw' in response && typeof response.hijack === 'function') {
    response.hijack();
    return response.raw;
  }
  return response as ServerResponse;
}
