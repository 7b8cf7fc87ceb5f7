import { ConfirmPublisher, GroupCommit, declareDelayQueue, delayBucket, publishDeadLetter } from '@cask/core';
import {
  CaskTopology,
  DeadLetterHeader,
  JobEnvelope,
  JobOrigin,
  encodeEnvelope,
  encodePack,
  originHeaders,
  packOriginHeaders,
} from '@cask/contracts';
import { Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import type { WorkerMetrics } from '../metrics/worker-metrics';

/** Most retries in one message: as many jobs as the api packs by default (`outbox.packMaxJobs`). */
export const RETRY_PACK_MAX_JOBS = 20;

/** A next attempt waiting to be published with others bound for the same place. */
interface Retry {
  next: JobEnvelope;
  origin: JobOrigin;
}

/**
 * The broker-side effects of an attempt's outcome: the next attempt, a dead letter, a requeue. Each message
 * it publishes for a job keeps the job's origin: the request that dispatched it and its trace context.
 */
export class JobOutcomes {
  private readonly logger = new Logger(JobOutcomes.name);
  /** Retries being packed, per job queue, priority and delay bucket. */
  private readonly retryPacks = new Map<string, GroupCommit<Retry>>();

  constructor(
    private readonly publisher: ConfirmPublisher,
    private readonly topology: CaskTopology,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * Publishes the next attempt to wait `delayMs` in a delay queue (in the broker, not in this process),
   * after which it returns to its job queue. Resolves once the broker confirmed it.
   *
   * With `packable` (the failed attempt came in a pack, so the api found that every worker on the queue reads
   * packs), retries bound for the same delay queue at once share messages: a retry goes out at once when none is
   * under way there, and those that come while one is join the next message, up to {@link RETRY_PACK_MAX_JOBS}. A
   * wave of failures (a dependency down) then costs the broker a message per pack, not per job.
   */
  async scheduleRetry(
    next: JobEnvelope,
    queue: string,
    priority: number | undefined,
    delayMs: number,
    origin: JobOrigin = {},
    packable = false,
  ): Promise<void> {
    const bucket = delayBucket(delayMs);
    if (!packable) return this.publishRetries(queue, priority, bucket, [{ next, origin }]);
    const key = `${queue}\u0000${priority ?? ''}\u0000${bucket}`;
    let pack = this.retryPacks.get(key);
    if (!pack) {
      pack = new GroupCommit<Retry>((retries) => this.publishRetries(queue, priority, bucket, retries), { maxGroup: RETRY_PACK_MAX_JOBS });
      this.retryPacks.set(key, pack);
    }
    return pack.add({ next, origin });
  }

  /** One message for the retries: a lone one in format 1, several as a pack. */
  private async publishRetries(queue: string, priority: number | undefined, bucket: number, retries: readonly Retry[]): Promise<void> {
    const [first] = retries;
    const lone = retries.length === 1;
    const body = lone ? encodeEnvelope(first.next) : encodePack(retries.map((retry) => encodeEnvelope(retry.next)));
    const options = {
      messageId: first.next.id,
      type: lone ? first.next.type : undefined,
      priority,
      headers: lone ? originHeaders(first.origin) : packOriginHeaders(retries.map((retry) => retry.origin)),
    };
    let target = queue;
    if (bucket === 0) {
      await this.publisher.publish(this.topology.jobsExchange, queue, body, options);
    } else {
      target = await this.publisher.declare((channel) => declareDelayQueue(channel, this.topology, queue, bucket));
      await this.publisher.publish('', target, body, options);
    }
    if (!lone) this.logger.debug(`Packed ${retries.length} retries for ${queue} into one message (to ${target})`);
  }

  /** Puts a message back on its job queue as a fresh delivery (not a redelivery). */
  async requeue(envelope: JobEnvelope, queue: string, priority: number | undefined, origin: JobOrigin = {}): Promise<void> {
    await this.publisher.publish(this.topology.jobsExchange, queue, encodeEnvelope(envelope), {
      messageId: envelope.id,
      type: envelope.type,
      priority,
      headers: originHeaders(origin),
    });
  }

  /** Publishes a message again, unchanged, to its job queue (a fresh delivery); resolves once confirmed. */
  async republish(message: ConsumeMessage, queue: string): Promise<void> {
    const { priority, headers, messageId, type } = message.properties;
    await this.publisher.publish(this.topology.jobsExchange, queue, message.content, { messageId, type, priority, headers });
  }

  /** Moves a job whose worker died holding it to its queue's rescue queue, counting that crash. */
  toRescue(envelope: JobEnvelope, queue: string, priority: number | undefined, crashes: number, origin: JobOrigin = {}): Promise<void> {
    return this.moveAfterCrash(this.topology.rescueQueue(queue), envelope, priority, crashes, origin);
  }

  /** Moves a message to its queue's suspect queue, counting the crashes it was part of. */
  toSuspect(envelope: JobEnvelope, queue: string, priority: number | undefined, crashes: number, origin: JobOrigin = {}): Promise<void> {
    return this.moveAfterCrash(this.topology.suspectQueue(queue), envelope, priority, crashes, origin);
  }

  private async moveAfterCrash(
    target: string,
    envelope: JobEnvelope,
    priority: number | undefined,
    crashes: number,
    origin: JobOrigin,
  ): Promise<void> {
    await this.publisher.publish('', target, encodeEnvelope(envelope), {
      messageId: envelope.id,
      type: envelope.type,
      priority,
      headers: { ...originHeaders(origin), [DeadLetterHeader.Crashes]: crashes },
    });
  }

  /** Copies a message to the dead-letter queue with the reason in its headers; resolves once confirmed. */
  async deadLetter(message: ConsumeMessage, sourceQueue: string, code: string, detail: string): Promise<void> {
    await publishDeadLetter(this.publisher, this.topology, message, sourceQueue, { code, detail });
    this.metrics.deadLettered(code);
  }
}
