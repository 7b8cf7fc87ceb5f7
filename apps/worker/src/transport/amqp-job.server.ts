import {
  AmqpConnection,
  AmqpConsumer,
  ConfirmPublisher,
  Delivery,
  declareEventQueue,
  declareJobQueues,
  publishDeadLetter,
} from '@cask/amqp';
import { CaskTopology, ErrorCode, JobCatalogue, JobContext, decodeEnvelope } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { WorkerConfig } from '../config/worker-config';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { EventPublisher } from './event-publisher';
import { JobExecutor } from './job-executor';

/**
 * The worker's Nest transport: consumes each job queue with manual acks and a finite prefetch, routes
 * messages to `@JobHandler` methods, and dead-letters what no handler can take.
 */
export class AmqpJobServer extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(AmqpJobServer.name);
  private readonly connection: AmqpConnection;
  private readonly publisher: ConfirmPublisher;
  private readonly consumers: AmqpConsumer[];
  private readonly executor: JobExecutor;
  private readonly limiter: ConcurrencyLimiter;
  private readonly duplicates = new Set<string>();

  constructor(
    private readonly config: WorkerConfig,
    private readonly topology: CaskTopology,
    private readonly catalogue: JobCatalogue,
  ) {
    super();
    this.connection = new AmqpConnection({ url: config.amqpUrl, connectionName: `cask-worker ${config.workerId}` });
    this.publisher = new ConfirmPublisher(this.connection, {
      name: 'events',
      confirmTimeoutMs: config.publishConfirmTimeoutMs,
      setup: async (channel) => {
        await declareEventQueue(channel, topology);
      },
    });
    this.limiter = new ConcurrencyLimiter(config.concurrency);
    this.executor = new JobExecutor(new EventPublisher(this.publisher, topology), (type, payload, context) => this.invoke(type, payload, context), config.workerId);
    this.consumers = catalogue.queues().map(
      (queue) =>
        new AmqpConsumer(this.connection, {
          queue: topology.jobQueue(queue),
          prefetch: config.concurrency,
          declare: (channel) => declareJobQueues(channel, topology, [queue]),
          onMessage: (delivery) => this.receive(queue, delivery),
        }),
    );
  }

  /** Remembers a second handler for one job instead of silently replacing the first. */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const name = this.normalizePattern(pattern as string);
    if (this.messageHandlers.has(name)) this.duplicates.add(name);
    super.addHandler(pattern, callback, isEventHandler, extras);
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      this.checkHandlers();
      await this.connection.open();
      await this.publisher.start();
      await Promise.all(this.consumers.map((consumer) => consumer.start()));
      this.logger.log(
        `Worker ${this.config.workerId} consuming ${this.catalogue.queues().map((q) => this.topology.jobQueue(q)).join(', ')} ` +
          `(concurrency ${this.config.concurrency})`,
      );
      callback();
    } catch (err) {
      callback(err);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    this.executor.abortAll('worker shutting down');
    await this.publisher.stop();
    await this.connection.close();
  }

  on(): never {
    throw new Error('AmqpJobServer does not emit transport events');
  }

  unwrap<T>(): T {
    return this.connection as T;
  }

  /** Refuses to start unless every job this worker consumes has exactly one handler, and no handler is for an unknown job. */
  private checkHandlers(): void {
    const problems: string[] = [];
    for (const job of this.catalogue.all()) {
      if (!this.messageHandlers.has(job.name)) problems.push(`job "${job.name}" has no @JobHandler`);
    }
    for (const name of this.duplicates) problems.push(`job "${name}" has more than one @JobHandler`);
    for (const name of this.messageHandlers.keys()) {
      if (!this.catalogue.get(name)) problems.push(`@JobHandler for "${name}", which no job definition declares`);
    }
    if (problems.length > 0) throw new Error(`Worker refuses to start: ${problems.join('; ')}`);
  }

  private receive(queue: string, delivery: Delivery): void {
    const decoded = decodeEnvelope(delivery.message.content);
    if (!decoded.ok) {
      void this.deadLetter(queue, delivery, decoded.code, decoded.reason);
      return;
    }
    const envelope = decoded.value;
    const definition = this.catalogue.get(envelope.type);
    if (!definition || definition.queue !== queue) {
      void this.deadLetter(queue, delivery, ErrorCode.UnknownType, `no job type "${envelope.type.slice(0, 200)}" on queue "${queue}"`);
      return;
    }
    void this.limiter.run(() => this.executor.execute(envelope, definition, delivery)).catch((err: Error) => {
      this.logger.error(`Job ${envelope.type} ${envelope.id}: executor failed (${err.message}); requeueing`, err.stack);
      delivery.nack(true);
    });
  }

  private async invoke(type: string, payload: object, context: JobContext): Promise<unknown> {
    const handler = this.getHandlerByPattern(type);
    if (!handler) throw new Error(`No handler for "${type}"`);
    return lastValueFrom(this.transformToObservable(await handler(payload, context)), { defaultValue: undefined });
  }

  private async deadLetter(queue: string, delivery: Delivery, code: string, detail: string): Promise<void> {
    this.logger.warn(`Dead-lettering a message from ${this.topology.jobQueue(queue)} (${code}: ${detail})`);
    try {
      await publishDeadLetter(this.publisher, this.topology, delivery.message, this.topology.jobQueue(queue), { code, detail });
      delivery.ack();
    } catch (err) {
      // The job queue dead-letters rejected messages too; the reason header is lost, the message is not.
      this.logger.error(`Could not publish the dead letter (${(err as Error).message}); rejecting it instead`);
      delivery.nack(false);
    }
  }
}
