import type { IncomingMessage } from 'node:http';
import { requestIdOf } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function requestWith(headers: Record<string, string | string[]> = {}): IncomingMessage & { id?: unknown } {
  return { headers } as unknown as IncomingMessage & { id?: unknown };
}

describe('requestIdOf', () => {
  it("keeps the client's well-formed X-Request-Id", () => {
    const req = requestWith({ 'x-request-id': 'checkout-42:a.b_c' });

    expect(requestIdOf(req)).toBe('checkout-42:a.b_c');
    expect(req.id).toBe('checkout-42:a.b_c');
  });

  it('replaces a malformed or too long one with a new UUID', () => {
    for (const sent of ['has spaces', 'x'.repeat(129), '', 'forged"}\n{"level":"error"', ['a', 'b']]) {
      const req = requestWith({ 'x-request-id': sent });
      expect(requestIdOf(req)).toMatch(UUID);
      expect(req.id).toBe(requestIdOf(req));
    }
  });

  it('generates a different UUID for each request without one', () => {
    const first = requestWith();
    const second = requestWith();

    expect(requestIdOf(first)).toMatch(UUID);
    expect(requestIdOf(second)).not.toBe(first.id);
  });

  it('assigns once: a second call (Fastify, then pino-http) returns the same id', () => {
    const req = requestWith();
    const id = requestIdOf(req);

    expect(requestIdOf(req)).toBe(id);
  });
});
