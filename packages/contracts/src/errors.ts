/**
 * Machine-readable codes carried by failed jobs, dead-lettered messages and HTTP errors.
 * Clients may switch on these; they never change meaning.
 */
export const ErrorCode = {
  /** The payload did not satisfy the job definition's payload class. */
  InvalidPayload: 'invalid_payload',
  /** The handler threw an error that did not say whether it is retryable; treated as retryable. */
  HandlerError: 'handler_error',
  /** The handler threw a {@link PermanentJobError}. */
  Permanent: 'permanent',
  /** The handler threw a {@link RetryableJobError}. */
  Retryable: 'retryable',
  /** A message body that is not a Cask envelope (not JSON, or missing fields). */
  Malformed: 'malformed',
  /** An envelope naming a job type that no definition declares. */
  UnknownType: 'unknown_type',
  /** A message without a valid signature while signing keys are configured: not sent by Cask. */
  Unauthentic: 'unauthentic',
  /** The broker could not take the message (down, blocked, unroutable, refused). */
  BrokerUnavailable: 'broker_unavailable',
  /** The attempt ran past its `timeout_ms`. */
  Timeout: 'timeout',
  /** The job crashed the worker process on every delivery, up to its attempt limit. */
  Poison: 'poison',
  /** The attempts of the job were used up; the last error is in the history. */
  Exhausted: 'exhausted',
  /** The job store (the database) could not be reached; nothing was written. */
  StoreUnavailable: 'store_unavailable',
  /** A flow job did not run: a parent whose edge says `fail` did not succeed. */
  ParentFailed: 'parent_failed',
  /** The worker running the attempt stopped sending heartbeats: the job waits to run again. */
  WorkerLost: 'worker_lost',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options shared by every {@link CaskError}. */
export interface CaskErrorOptions {
  /** Machine-readable code; see {@link ErrorCode}. */
  code: string;
  /** Whether running the job again could succeed. */
  retryable: boolean;
  /** The underlying error, kept for logs; never sent to clients. */
  cause?: unknown;
}

/** Base of every error Cask raises on purpose: a stable `code` and whether a retry may help. */
export class CaskError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, options: CaskErrorOptions) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retryable = options.retryable;
  }
}

/** Thrown by a handler when running the job again cannot succeed (bad address, missing record). */
export class PermanentJobError extends CaskError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? ErrorCode.Permanent, retryable: false, cause: options.cause });
  }
}

/** Thrown by a handler when a later attempt may succeed (a dependency was briefly down). */
export class RetryableJobError extends CaskError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? ErrorCode.Retryable, retryable: true, cause: options.cause });
  }
}

/** The broker did not take a message: it is down, blocked, refused it, or had nowhere to route it. */
export class BrokerUnavailableError extends CaskError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: ErrorCode.BrokerUnavailable, retryable: true, cause: options.cause });
  }
}

/**
 * The job store could not be reached (the database is down, restarting or failing over). The operation
 * was not applied, or, for a commit cut off in flight, its outcome is unknown; retrying is safe with an
 * idempotency key.
 */
export class StoreUnavailableError extends CaskError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: ErrorCode.StoreUnavailable, retryable: true, cause: options.cause });
  }
}

/** The error a failed job records: what the handler threw, reduced to what is safe to store and show. */
export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
}

/** Reduces anything a handler may throw to a {@link JobError}; unknown errors count as retryable. */
export function toJobError(error: unknown): JobError {
  if (error instanceof CaskError) {
    return { code: error.code, message: error.message, retryable: error.retryable };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: ErrorCode.HandlerError, message, retryable: true };
}

/**
 * Thrown at start when options or the environment are wrong (an unknown job type named in a limit, a queue
 * no definition uses); names every problem at once.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}
