/** What the {@link AmqpAsyncDispatcher} needs to know beyond the job definitions. */
export class DispatcherOptions {
  /** How long an idempotency key is remembered, in ms. */
  idempotencyTtlMs: number;
  /** Payload limits per job type overriding the definitions'. */
  maxPayloadBytes: ReadonlyMap<string, number>;
}
