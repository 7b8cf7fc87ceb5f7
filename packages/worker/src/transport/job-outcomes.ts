import { ConfirmPublisher, declareDelayQueue, delayBucket, publishDeadLetter } from '@cask/core';
import { CaskTopology, DeadLetterHeader, JobEnvelope, encodeEnvelope, requestIdHeaders } from '@cask/contracts';
import type { ConsumeMessage } from 'amqplib';
import type { WorkerMetrics } from '../metrics/worker-metrics';

/**
 * The broker-side effects of an attempt's outcome: the next attempt, a dead letter, a requeue. Each message
 * it publishes for a job keeps the id of the request that dispatched it (`requestId`).
 */
export class JobOutcomes {
  constructor(
    private readonly publisher: ConfirmPublisher,
    private readonly topology: CaskTopology,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * Publishes the next attempt to wait `delayMs` in a delay queue (in the broker, not in this process),
   * after which it returns to its job queue. Resolves once the broker confirmed it.
   */
  async scheduleRetry(next: JobEnvelope, queue: string, priority: number | undefined, delayMs: number, requestId?: string): Promise<void> {
    const bucket = delayBucket(delayMs);
    const body = encodeEnvelope(next);
    const headers = requestIdHeaders(requestId);
    if (bucket === 0) {
      await this.publisher.publish(this.topology.jobsExchange, queue, body, { messageId: next.id, type: next.type, priority, headers });
      return;
    }
    const delayQueue = await this.publisher.declare((channel) => declareDelayQueue(channel, this.topology, queue, bucket));
    await this.publisher.publish('', delayQueue, body, { messageId: next.id, type: next.type, priority, headers });
  }

  /** Puts a message back on its job queue as a fresh delivery (not a redelivery). */
  async requeue(envelope: JobEnvelope, queue: string, priority: number | undefined, requestId?: string): Promise<void> {
    await this.publisher.publish(this.topology.jobsExchange, queue, encodeEnvelope(envelope), {
      messageId: envelope.id,
      type: envelope.type,
      priority,
      headers: requestIdHeaders(requestId),
    });
  }

  /** Publishes a message again, unchanged, to its job queue (a fresh delivery); resolves once confirmed. */
  async republish(message: ConsumeMessage, queue: string): Promise<void> {
    const { priority, headers, messageId, type } = message.properties;
    await this.publisher.publish(this.topology.jobsExchange, queue, message.content, { messageId, type, priority, headers });
  }

  /** Moves a message to its queue's suspect queue, counting the crashes it was part of. */
  async toSuspect(envelope: JobEnvelope, queue: string, priority: number | undefined, crashes: number, requestId?: string): Promise<void> {
    await this.publisher.publish('', this.topology.suspectQueue(queue), encodeEnvelope(envelope), {
      messageId: envelope.id,
      type: envelope.type,
      priority,
      headers: { ...requestIdHeaders(requestId), [DeadLetterHeader.Crashes]: crashes },
    });
  }

  /** Copies a message to the dead-letter queue with the reason in its headers; resolves once confirmed. */
  async deadLetter(message: ConsumeMessage, sourceQueue: string, code: string, detail: string): Promise<void> {
    await publishDeadLetter(this.publisher, this.topology, message, sourceQueue, { code, detail });
    this.metrics.deadLettered(code);
  }
}
