/** AMQP header of a job message naming the HTTP request that dispatched it; workers put it on their log lines. */
export const REQUEST_ID_HEADER = 'x-cask-request-id';

/** At most 128 characters that are safe in a header and a log line, e.g. a UUID or a tracing id. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** True for a well-formed request id: 1 to 128 of `A-Z a-z 0-9 . _ : -`. */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID.test(value);
}

/**
 * The request id a message's headers carry, or undefined when there is none or it is malformed. Headers
 * are not covered by the message signature: anything read from them only ever labels log lines.
 */
export function requestIdOf(headers: Record<string, unknown> | undefined): string | undefined {
  const value = headers?.[REQUEST_ID_HEADER];
  return isRequestId(value) ? value : undefined;
}
