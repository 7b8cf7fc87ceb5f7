import { CaskError, ErrorCode, FieldError } from '@cask/contracts';

/** A dispatch whose payload or options break the rules; nothing was stored. */
export class InvalidPayloadError extends CaskError {
  /**
   * @param inPayload - whether the field names are paths inside the payload (as opposed to options
   *   such as `priority`)
   */
  constructor(
    readonly jobType: string,
    readonly errors: FieldError[],
    readonly inPayload = true,
  ) {
    super(`Invalid ${inPayload ? 'payload' : 'options'} for job "${jobType}"`, { code: ErrorCode.InvalidPayload, retryable: false });
  }
}
