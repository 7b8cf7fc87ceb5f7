import type { IncomingMessage, ServerResponse } from 'node:http';
import { assignRequestId } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function exchange(headers: Record<string, string | string[]> = {}) {
  const responseHeaders: Record<string, unknown> = {};
  const req = { headers } as unknown as IncomingMessage & { id?: unknown };
  const res = { setHeader: (name: string, value: unknown) => (responseHeaders[name] = value) } as unknown as ServerResponse;
  return { req, res, responseHeaders };
}

describe('assignRequestId', () => {
  it("keeps the client's well-formed X-Request-Id and echoes it", () => {
    const { req, res, responseHeaders } = exchange({ 'x-request-id': 'checkout-42:a.b_c' });

    expect(assignRequestId(req, res)).toBe('checkout-42:a.b_c');
    expect(req.id).toBe('checkout-42:a.b_c');
    expect(responseHeaders['X-Request-Id']).toBe('checkout-42:a.b_c');
  });

  it('replaces a malformed or too long one with a new UUID', () => {
    for (const sent of ['has spaces', 'x'.repeat(129), '', 'forged"}\n{"level":"error"', ['a', 'b']]) {
      const { req, res, responseHeaders } = exchange({ 'x-request-id': sent });
      const id = assignRequestId(req, res);
      expect(id).toMatch(UUID);
      expect(responseHeaders['X-Request-Id']).toBe(id);
    }
  });

  it('generates a different UUID for each request without one', () => {
    const first = exchange();
    const second = exchange();

    expect(assignRequestId(first.req, first.res)).toMatch(UUID);
    expect(assignRequestId(second.req, second.res)).not.toBe(first.req.id);
  });

  it('assigns once: a second call (pino-http, then anyone else) returns the same id', () => {
    const { req, res } = exchange();
    const id = assignRequestId(req, res);

    expect(assignRequestId(req, res)).toBe(id);
  });
});
