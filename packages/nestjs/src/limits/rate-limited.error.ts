import { CaskError } from '@cask/contracts';

/** A tenant (or an unauthenticated client) is over a limit; answered 429 with `Retry-After`. */
export class RateLimitedError extends CaskError {
  constructor(
    message: string,
    /** Whole seconds until the request can succeed; at least 1. */
    readonly retryAfterSeconds: number,
  ) {
    super(message, { code: 'rate_limited', retryable: true });
  }
}
