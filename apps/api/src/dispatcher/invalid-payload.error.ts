import { CaskError, ErrorCode, FieldError } from '@cask/contracts';

/** A dispatch whose payload breaks its job definition's rules; nothing was stored. */
export class InvalidPayloadError extends CaskError {
  constructor(
    readonly jobType: string,
    readonly errors: FieldError[],
  ) {
    super(`Invalid payload for job "${jobType}"`, { code: ErrorCode.InvalidPayload, retryable: false });
  }
}
