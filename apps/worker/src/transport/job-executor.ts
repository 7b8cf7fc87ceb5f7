import { Delivery } from '@cask/amqp';
import {
  ErrorCode,
  JobContext,
  JobDefinition,
  JobEnvelope,
  JobEvent,
  JobProgress,
  toJobError,
  validatePayload,
} from '@cask/contracts';
import { Logger } from '@nestjs/common';
import { EventPublisher } from './event-publisher';

/** Calls the registered handler with the payload and context and resolves with its result. */
export type HandlerInvoker = (type: string, payload: object, context: JobContext) => Promise<unknown>;

/**
 * Runs one attempt of a job: validates the payload again, runs the handler, reports `started`,
 * `progress` and the outcome, and acks the message only after the outcome is confirmed by the broker.
 */
export class JobExecutor {
  private readonly logger = new Logger(JobExecutor.name);
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly events: EventPublisher,
    private readonly invoke: HandlerInvoker,
    private readonly workerId: string,
  ) {}

  get inFlight(): number {
    return this.running.size;
  }

  /** Fires every running handler's AbortSignal (shutdown). */
  abortAll(reason: string): void {
    for (const controller of this.running.values()) controller.abort(new Error(reason));
  }

  async execute(envelope: JobEnvelope, definition: JobDefinition, delivery: Delivery): Promise<void> {
    const { id, type, attempt } = envelope;
    const base = { job_id: id, type, attempt, worker: this.workerId };
    const validation = validatePayload(definition, envelope.payload);
    if (!validation.ok) {
      const message = validation.errors.map((e) => `${e.field || 'payload'}: ${e.reason}`).join('; ');
      this.logger.warn(`Job ${type} ${id}: invalid payload (${message})`);
      await this.finish(delivery, { ...base, kind: 'failed', at: Date.now(), error: { code: ErrorCode.InvalidPayload, message, retryable: false } });
      return;
    }
    const startedAt = Date.now();
    const controller = new AbortController();
    this.running.set(id, controller);
    // Not awaited: the outcome event follows on the same channel, so the store still sees them in order,
    // and the message is acked only once the outcome is confirmed.
    this.events.publish([{ ...base, kind: 'started', at: startedAt }]).catch((err: Error) =>
      this.logger.debug(`Job ${type} ${id}: started event not confirmed (${err.message})`),
    );
    const context: JobContext = {
      jobId: id,
      type,
      attempt,
      signal: controller.signal,
      progress: (value: JobProgress) => this.events.publish([{ ...base, kind: 'progress', at: Date.now(), progress: value }]),
    };
    let outcome: JobEvent;
    try {
      const result = await this.invoke(type, validation.value, context);
      outcome = { ...base, kind: 'succeeded', at: Date.now(), started_at: startedAt, result: result ?? null };
      JSON.stringify(outcome.result);
      this.logger.debug(`Job ${type} ${id}: succeeded in ${outcome.at - startedAt} ms`);
    } catch (err) {
      const error = toJobError(err);
      outcome = { ...base, kind: 'failed', at: Date.now(), started_at: startedAt, error };
      this.logger.warn(`Job ${type} ${id}: attempt ${attempt} failed (${error.code}: ${error.message})`);
    } finally {
      this.running.delete(id);
    }
    await this.finish(delivery, outcome);
  }

  private async finish(delivery: Delivery, outcome: JobEvent): Promise<void> {
    try {
      await this.events.publish([outcome]);
    } catch (err) {
      // Without a confirmed outcome the job must run again: give it back to the queue.
      this.logger.error(`Job ${outcome.type} ${outcome.job_id}: outcome not confirmed (${(err as Error).message}); requeueing`);
      delivery.nack(true);
      return;
    }
    delivery.ack();
  }
}
