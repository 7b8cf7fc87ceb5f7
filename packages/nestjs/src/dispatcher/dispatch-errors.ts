import { CaskError, ErrorCode, FieldError } from '@cask/contracts';

/** The outbox holds as many undelivered jobs as it may: refuse new ones until the broker catches up. */
export class BacklogFullError extends CaskError {
  constructor(readonly backlog: number) {
    super(`The broker is unavailable and ${backlog} jobs are waiting to be published`, { code: 'backlog_full', retryable: true });
  }
}

/** An `Idempotency-Key` reused with a different request. */
export class IdempotencyConflictError extends CaskError {
  constructor(readonly existingJobId: string) {
    super('This Idempotency-Key was used with a different request', { code: 'idempotency_conflict', retryable: false });
  }
}

/** A batch with bad items; `errors` name each as `jobs[<index>].<field>`. Nothing was stored. */
export class BatchValidationError extends CaskError {
  constructor(
    readonly errors: FieldError[],
    message = 'Invalid jobs in batch; nothing was stored',
  ) {
    super(message, { code: ErrorCode.InvalidPayload, retryable: false });
  }
}

/** A flow with bad jobs or a bad shape (unknown parents, a cycle); nothing was stored. */
export class FlowValidationError extends BatchValidationError {
  constructor(errors: FieldError[]) {
    super(errors, 'Invalid flow; nothing was stored');
  }
}

/** A payload larger than its job type allows; nothing was stored. */
export class PayloadTooLargeError extends CaskError {
  constructor(
    readonly jobType: string,
    readonly limit: number,
    readonly size: number,
    /** Where the payload is in the request: `payload`, or `jobs[<index>].payload` in a batch. */
    readonly field = 'payload',
  ) {
    super(`Payload too large for job type "${jobType}"`, { code: 'payload_too_large', retryable: false });
  }
}
