import { isRequestId } from '@cask/contracts';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';

/** The HTTP header a client may name its request with, and in which every response names it. */
export const REQUEST_ID_HTTP_HEADER = 'X-Request-Id';

/**
 * The request's id: the client's `X-Request-Id` when it is well-formed (1 to 128 of `A-Z a-z 0-9 . _ : -`),
 * else a new UUID, so that a malformed one can neither break a header nor forge log lines. Fastify asks
 * for it first (its `genReqId`, so `request.id`, which {@link RequestId} reads); it is kept on the Node
 * request (`req.id`), where the request logging asks for it next and gets the same id.
 */
export function requestIdOf(req: IncomingMessage & { id?: unknown }): string {
  if (typeof req.id === 'string') return req.id;
  const sent = req.headers['x-request-id'];
  const id = isRequestId(sent) ? sent : randomUUID();
  req.id = id;
  return id;
}
