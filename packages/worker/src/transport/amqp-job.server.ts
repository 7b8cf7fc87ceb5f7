import {
  AmqpConnection,
  AmqpConsumer,
  ConfirmPublisher,
  Delivery,
  declareJobQueues,
  fromLostHold,
  isAuthentic,
  traceFields,
} from '@cask/core';
import {
  CaskTopology,
  DeadLetterHeader,
  ErrorCode,
  JobCatalogue,
  Decoded,
  JobEnvelope,
  JobOrigin,
  MAX_PACK_JOBS,
  MessageSigner,
  PackEntry,
  decodeJobMessage,
  originOf,
  originsOf,
} from '@cask/contracts';
import { JobLogger } from '@cask/core';
import { jobLog } from '@cask/contracts';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { WorkerPool } from '../pool/worker-pool';
import { CASK_WORKER_TOPOLOGY } from '../tokens';
import { WorkerSettings } from '../worker-settings';
import { WorkerSigning } from '../worker-signing';
import { ControlListener } from './control-listener';
import { EventPublisher } from './event-publisher';
import { JobExecutor } from './job-executor';
import { JobHandlers } from './job-handlers';
import { JobOutcomes } from './job-outcomes';
import { PackHolds } from './pack-holds';
import { JobDelivery, PackParts, PackSplit, tracked } from './pack-parts';
import { ConsumerGate } from '../pool/consumer-gate';
import { HeldJobs } from '../pool/held-jobs';
import { untilConfirmed } from './until-confirmed';

/**
 * Crashes a job may be held at before it is isolated: after the first it runs again at full concurrency; held at
 * a second one too, it runs alone, in the suspect queue.
 */
export const ISOLATE_AT_CRASHES = 2;

/** The broker queues of a job queue a worker consumes. */
type ConsumedQueue = 'jobs' | 'suspect' | 'rescue';

/** Where a job's message came from. */
interface MessageOrigin {
  /** The broker queue it was taken from. */
  source: string;
  /** From the suspect queue. */
  suspect: boolean;
  /** The rest of a split pack whose worker let go of it: its jobs are moved on, as a redelivered message's are. */
  lost: boolean;
  /** One job of a pack. */
  packed: boolean;
}

/**
 * The worker's Nest transport: consumes each job queue with manual acks and a finite prefetch, routes
 * messages to `@JobHandler` methods, and dead-letters what no handler can take.
 *
 * A message redelivered to a job queue was in the hands of a worker that died or lost its channel. Its jobs run
 * again at full concurrency from the queue's rescue queue; a job held at two such crashes is moved to the queue's suspect queue, which each
 * worker consumes one message at a time: if a worker dies there, the job in hand is the one that killed it. Such a
 * job is retried up to its attempt limit and then failed with code `poison`.
 *
 * A message of several jobs whose first finished jobs would wait long on a slower one is split: its unfinished
 * rest goes to this process's hold queue ({@link PackHolds}) and the message is acked. A rest whose worker let go
 * of it without acking comes to the suspect queue, and its jobs are moved on as a redelivered message's are.
 */
@Injectable()
export class AmqpJobServer extends Server implements CustomTransportStrategy, BeforeApplicationShutdown {
  protected override readonly logger = new Logger(AmqpJobServer.name);
  private readonly consumers: AmqpConsumer[] = [];
  private readonly holds: PackHolds;
  /**
   * Jobs whose redelivered message this process is moving on (a copy published, the original not yet acked), by
   * id. The broker may hand this process the copy before it has the original's ack: the copy waits for the move and
   * that ack, so that a job that kills its worker cannot die before its original is acked and come back once more
   * each time.
   */
  private readonly moving = new Map<string, Promise<void>>();
  /** Per job queue: the jobs held from it, which steer its consumer's prefetch (messages may carry several). */
  private readonly held = new Map<string, HeldJobs>();
  /** Per job queue: its consumers (job queue, suspect queue), paused while the queue is paused through the api. */
  private readonly gates = new Map<string, ConsumerGate[]>();
  private readonly duplicates = new Set<string>();
  private readonly signer?: MessageSigner;
  /** The headers a job's trace context is read from: W3C's, and the host's propagator's (read once it has started). */
  private traceFields: readonly string[] = [];
  private closing = false;
  private closed?: Promise<void>;

  constructor(
    private readonly settings: WorkerSettings,
    @Inject(CASK_WORKER_TOPOLOGY) private readonly topology: CaskTopology,
    private readonly catalogue: JobCatalogue,
    private readonly connection: AmqpConnection,
    private readonly publisher: ConfirmPublisher,
    private readonly pool: WorkerPool,
    private readonly executor: JobExecutor,
    private readonly outcomes: JobOutcomes,
    private readonly events: EventPublisher,
    private readonly control: ControlListener,
    private readonly handlers: JobHandlers,
    private readonly signing: WorkerSigning,
    metrics: WorkerMetrics,
  ) {
    super();
    this.signer = signing.signer;
    for (const queue of this.pool.plan.queues) {
      const held = new HeldJobs(this.pool.plan.prefetch(queue));
      const jobs = new AmqpConsumer(this.connection, {
        queue: topology.jobQueue(queue),
        prefetch: held.prefetchFor(),
        declare: (channel) => declareJobQueues(channel, topology, [queue]),
        onMessage: (delivery) => this.receive(queue, delivery, 'jobs'),
      });
      const suspects = new AmqpConsumer(this.connection, {
        queue: topology.suspectQueue(queue),
        // One at a time: when the worker dies here, the message in hand is the one that killed it.
        prefetch: 1,
        declare: (channel) => declareJobQueues(channel, topology, [queue]),
        onMessage: (delivery) => this.receive(queue, delivery, 'suspect'),
      });
      // Jobs a dead worker held run again from here, beside the job queue's backlog, not behind it.
      const rescues = new AmqpConsumer(this.connection, {
        queue: topology.rescueQueue(queue),
        prefetch: this.pool.plan.prefetch(queue),
        declare: (channel) => declareJobQueues(channel, topology, [queue]),
        onMessage: (delivery) => this.receive(queue, delivery, 'rescue'),
      });
      const gates = [new ConsumerGate(jobs), new ConsumerGate(suspects), new ConsumerGate(rescues)];
      held.steer(gates[0]);
      this.held.set(queue, held);
      this.gates.set(queue, gates);
      this.consumers.push(jobs, suspects, rescues);
    }
    control.onQueueChange((queue, paused) => void this.queueChanged(queue, paused));
    this.holds = new PackHolds(
      connection,
      publisher,
      topology,
      settings.workerId,
      this.pool.plan.queues,
      (queue) => this.held.get(queue)!.bound + MAX_PACK_JOBS,
      (queue, delivery) => this.receive(queue, delivery, 'jobs', true),
    );
    metrics.watch(this.connection, this.pool.plan.queues, () => this.executor.inFlightByQueue());
  }

  /** Remembers a second handler for one job instead of silently replacing the first. */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const name = this.normalizePattern(pattern as string);
    if (this.messageHandlers.has(name)) this.duplicates.add(name);
    super.addHandler(pattern, callback, isEventHandler, extras);
    this.handlers.set(name, callback);
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    this.traceFields = traceFields();
    try {
      this.checkHandlers();
      await this.connection.open();
      await this.publisher.start();
      await this.control.start();
      // Queues paused before this worker started: their consumers start paused.
      await Promise.all(
        this.pool.plan.queues.filter((queue) => this.control.isPaused(queue)).map((queue) => this.queueChanged(queue, true)),
      );
      await this.pool.prepare();
      await Promise.all([...this.holds.all, ...this.consumers].map((consumer) => consumer.start()));
      this.pool.announce();
      if (!this.signer) this.logger.warn('No signing keys are set: this worker runs any well-formed job message, signed or not');
      this.logger.log(
        `Worker ${this.settings.workerId} consuming ${this.pool.plan.queues.map((q) => this.topology.jobQueue(q)).join(', ')} ` +
          `(concurrency ${this.settings.concurrency}${this.pool.describeLimits()})`,
      );
      callback();
    } catch (err) {
      callback(err);
    }
  }

  /**
   * In a hybrid app, Nest closes the HTTP server before its microservices: shutting down here, first,
   * keeps `/health` and `/metrics` answering (not ready) while running jobs finish.
   */
  beforeApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /**
   * Graceful shutdown: take no more jobs, hand back the ones not started, let running ones finish within
   * the grace period, then abort and requeue what is left. Called twice, it shuts down once.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    // The hold queues too, once the splits under way have their rest back: no pack splits from here on.
    await Promise.all([...this.consumers.map((consumer) => consumer.cancel()), this.holds.cancel()]);
    this.pool.slots.releaseWaiting();
    const running = this.executor.inFlight;
    if (running > 0) this.logger.log(`Waiting up to ${this.settings.shutdownGraceMs} ms for ${running} running job(s)`);
    const graceOver = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), this.settings.shutdownGraceMs).unref());
    if ((await Promise.race([this.executor.idle(), graceOver])) === 'timeout') {
      this.logger.warn(`Grace period over with ${this.executor.inFlight} job(s) running; aborting and requeueing them`);
      this.executor.abortAll('worker shutting down');
      await this.executor.idle();
    }
    await Promise.all([...this.consumers, ...this.holds.all].map((consumer) => consumer.stop()));
    await this.holds.remove();
    await this.control.stop();
    // Last, with nothing left running: the worker leaves GET /workers once it has let go of every job.
    await this.pool.leave();
    await this.publisher.stop();
    await this.connection.close();
    this.logger.log('Worker stopped');
  }

  /** The broker connection, for readiness. */
  get brokerConnection(): AmqpConnection {
    return this.connection;
  }

  /** The consumer of every job and suspect queue this worker serves, for readiness. */
  get queueConsumers(): readonly AmqpConsumer[] {
    return this.consumers;
  }

  /** True from the start of shutdown: the worker takes no more jobs. */
  get isClosing(): boolean {
    return this.closing;
  }

  on(): never {
    throw new Error('AmqpJobServer does not emit transport events');
  }

  unwrap<T>(): T {
    return this.connection as T;
  }

  /**
   * Refuses to start unless every job on the queues this worker consumes has exactly one handler, and no
   * handler is for an unknown job. Jobs on other queues may lack one: other workers run them.
   */
  private checkHandlers(): void {
    const problems: string[] = [];
    for (const job of this.catalogue.all()) {
      if (this.pool.plan.queues.includes(job.queue) && !this.messageHandlers.has(job.name))
        problems.push(`job "${job.name}" has no @JobHandler`);
    }
    for (const name of this.duplicates) problems.push(`job "${name}" has more than one @JobHandler`);
    for (const name of this.messageHandlers.keys()) {
      if (!this.catalogue.get(name)) problems.push(`@JobHandler for "${name}", which no job definition declares`);
    }
    if (problems.length > 0) throw new Error(`Worker refuses to start: ${problems.join('; ')}`);
  }

  /**
   * @param fromHoldQueue - the message came from this worker's hold queue, and no split is waiting for it (the
   *   channel it was held on closed): its jobs are moved on as those of a redelivered message are.
   */
  private receive(queue: string, delivery: Delivery, from: ConsumedQueue, fromHoldQueue = false): void {
    const suspect = from === 'suspect';
    const source =
      from === 'suspect'
        ? this.topology.suspectQueue(queue)
        : from === 'rescue'
          ? this.topology.rescueQueue(queue)
          : this.topology.jobQueue(queue);
    if (!isAuthentic(this.signer, delivery.message)) {
      // Not published by Cask (no job row stands behind it): it never runs.
      void this.deadLetter(source, delivery, ErrorCode.Unauthentic, 'missing or invalid x-cask-signature');
      return;
    }
    const decoded = decodeJobMessage(delivery.message.content);
    if (!decoded.ok) {
      void this.deadLetter(source, delivery, decoded.code, decoded.reason);
      return;
    }
    const { packed, entries } = decoded.value;
    // The rest of a split pack whose worker let go of it without acking (it died, or lost the channel).
    const lost = fromHoldQueue || (suspect && fromLostHold(this.topology, delivery.message.properties.headers));
    // The suspect queue holds one message at a time, the rescue queue its prefetch: nothing to bound there.
    const held = from === 'jobs' ? this.held.get(queue) : undefined;
    if (held && !lost && !delivery.message.fields.redelivered && !held.admits(entries.length)) {
      // Past the worker's bound (sent before the consumer paused): back to the queue as it came, for later.
      void this.settle(delivery, `A message of ${entries.length} job(s) past this worker's bound`, () =>
        this.outcomes.republish(delivery.message, queue),
      );
      return;
    }
    held?.received(entries.length);
    const released = (jobs: number) => held?.released(jobs);
    if (!packed) {
      this.receiveJob(
        queue,
        tracked(delivery, () => released(1)),
        entries[0].decoded,
        originOf(delivery.message.properties.headers, this.traceFields),
        { source, suspect, lost, packed: false },
      );
      return;
    }
    // Each job of a pack runs, fails, is cancelled or dead-lettered on its own; the message is acked when all are settled.
    const origins = originsOf(delivery.message.properties.headers, entries.length, this.traceFields);
    const putBack = (indexes: readonly number[]) => this.putBack(queue, delivery, entries, origins, indexes);
    // A pack that runs here (not one whose jobs are only moved on) may split off its slow rest.
    const split: PackSplit | undefined =
      this.settings.packSplitMs > 0 && !suspect && !lost && !delivery.message.fields.redelivered
        ? {
            afterMs: this.settings.packSplitMs,
            hold: (indexes) =>
              this.holds.hold(
                queue,
                delivery.message,
                indexes.map((index) => entries[index].body),
                indexes.map((index) => origins[index]),
              ),
            onSplit: (held, released) =>
              this.logger.debug(
                `Split a pack from ${queue}: its ${released} finished job(s) acked, the other ${held} held in a message of their own`,
              ),
          }
        : undefined;
    const parts = new PackParts(delivery, entries, origins, putBack, released, split);
    entries.forEach((entry, index) =>
      this.receiveJob(queue, parts.part(index), entry.decoded, origins[index], { source, suspect, lost, packed: true }),
    );
  }

  private receiveJob(queue: string, delivery: JobDelivery, decoded: Decoded<JobEnvelope>, origin: JobOrigin, from: MessageOrigin): void {
    const { source, suspect, lost, packed } = from;
    if (!decoded.ok) {
      void this.deadLetter(source, delivery, decoded.code, decoded.reason);
      return;
    }
    const envelope = decoded.value;
    const moving = this.moving.get(envelope.id);
    if (moving && !delivery.message.fields.redelivered && !lost) {
      const receive = () => this.receiveJob(queue, delivery, decoded, origin, from);
      void moving.then(receive, receive);
      return;
    }
    const definition = this.catalogue.get(envelope.type);
    if (!definition || definition.queue !== queue) {
      void this.deadLetter(source, delivery, ErrorCode.UnknownType, `no job type "${envelope.type.slice(0, 200)}" on queue "${queue}"`);
      return;
    }
    // Not covered by the signature, so only ever a label on log lines (and passed on to the next attempt).
    const log = new JobLogger(this.logger, jobLog(envelope.id, envelope.type, { attempt: envelope.attempt, requestId: origin.requestId }));
    if (this.skipIfCancelled(envelope, delivery, log)) return;
    if (delivery.message.fields.redelivered || lost) {
      // A lost rest was held as a job queue message is, even when it reaches the suspect queue.
      void this.handleRedelivery(queue, delivery, envelope, suspect && !lost, origin, log);
      return;
    }
    // A paused queue's job goes back to the broker to wait there (held here, unacked, it would meet the broker's
    // consumer timeout): its consumers are paused, so it stays there until the queue is resumed.
    if (this.control.isPaused(queue)) {
      void this.handBack(queue, delivery, envelope, origin, log);
      return;
    }
    void this.pool.slots
      .run(envelope.type, async () => {
        // It may have been cancelled, or its queue paused, while it waited for a free slot.
        if (this.closing || this.control.isPaused(queue)) return this.handBack(queue, delivery, envelope, origin, log);
        if (this.skipIfCancelled(envelope, delivery, log)) return;
        return this.executor.execute({ envelope, definition, delivery, queue, brokerQueue: source, origin, packed });
      })
      .catch((err: Error) => {
        log.error(`Job ${envelope.type} ${envelope.id}: executor failed (${err.message}); requeueing`, err);
        delivery.nack(true);
      });
  }

  /** A queue paused or resumed through the api: its consumers stop or start taking messages. */
  private async queueChanged(queue: string, paused: boolean): Promise<void> {
    // Jobs of the queue already waiting for a slot go back once they get one.
    await Promise.all((this.gates.get(queue) ?? []).map((gate) => gate.setQueuePaused(paused)));
  }

  /**
   * Jobs of a pack handed back while others of it finished: each goes back to its queue as a message of its
   * own (confirmed), so that acking the pack runs none of the finished ones again.
   */
  private async putBack(
    queue: string,
    delivery: Delivery,
    entries: readonly PackEntry[],
    origins: readonly JobOrigin[],
    indexes: readonly number[],
  ): Promise<void> {
    const priority = delivery.message.properties.priority as number | undefined;
    await Promise.all(
      indexes.map((index) => {
        const decoded = entries[index].decoded;
        return decoded.ok ? this.outcomes.requeue(decoded.value, queue, priority, origins[index]) : Promise.resolve();
      }),
    );
  }

  /** A job whose series was cancelled is acked and dropped: it never runs. */
  private skipIfCancelled(envelope: JobEnvelope, delivery: JobDelivery, log: JobLogger): boolean {
    if (!this.control.isCancelled(envelope.id, envelope.series)) return false;
    log.log(`Job ${envelope.type} ${envelope.id}: cancelled; dropping it`);
    delivery.ack();
    return true;
  }

  /**
   * A job whose message was in the hands of a worker that died (or lost its channel). Most crashes are not the
   * job's doing (a deploy, an out-of-memory kill, a lost host), so after its first one the job runs again at full
   * concurrency, from the rescue queue (beside the job queue's backlog). A job held at {@link ISOLATE_AT_CRASHES} crashes goes to the suspect queue,
   * which each worker takes one message at a time: a worker that dies there was killed by the job in hand, which
   * fails with code `poison` once it has died alone `max_attempts` times. Each move counts an attempt, since the
   * job may have run before its worker died.
   */
  private async handleRedelivery(
    queue: string,
    delivery: JobDelivery,
    envelope: JobEnvelope,
    suspect: boolean,
    origin: JobOrigin,
    log: JobLogger,
  ): Promise<void> {
    const priority = delivery.message.properties.priority as number | undefined;
    // Every crash the job was held at, this one included.
    const crashes = Number(delivery.message.properties.headers?.[DeadLetterHeader.Crashes] ?? 0) + 1;
    const aloneDeaths = suspect ? crashes - ISOLATE_AT_CRASHES : 0;
    const next = { ...envelope, attempt: envelope.attempt + 1 };
    const move = async () => {
      if (aloneDeaths >= envelope.max_attempts) {
        const error = {
          code: ErrorCode.Poison,
          message: `The worker died ${aloneDeaths} time(s) while running this job alone (${crashes} crashes in all)`,
          retryable: false,
        };
        log.error(`Job ${envelope.type} ${envelope.id}: ${error.message}; failing it as poison`);
        await this.outcomes.deadLetter(delivery.message, this.topology.suspectQueue(queue), ErrorCode.Poison, error.message);
        await this.events.publish([
          {
            kind: 'failed',
            job_id: envelope.id,
            type: envelope.type,
            series: envelope.series,
            attempt: envelope.attempt,
            at: Date.now(),
            worker: this.settings.workerId,
            error,
            ...(envelope.tenant === undefined ? {} : { tenant: envelope.tenant }),
          },
        ]);
      } else if (!suspect && crashes < ISOLATE_AT_CRASHES) {
        log.warn(`Job ${envelope.type} ${envelope.id}: its worker died holding attempt ${envelope.attempt}; running it again`);
        await this.outcomes.toRescue(next, queue, priority, crashes, origin);
      } else {
        log.warn(
          `Job ${envelope.type} ${envelope.id}: held at ${crashes} crashes (attempt ${envelope.attempt}); running it alone to find out`,
        );
        await this.outcomes.toSuspect(next, queue, priority, crashes, origin);
      }
    };
    // Until the broker has the original's ack: only then may this process run the copy, which may kill it.
    const moved = this.settle(delivery, `Job ${envelope.type} ${envelope.id}`, move, log)
      .then(() => delivery.flushed())
      .finally(() => {
        if (this.moving.get(envelope.id) === moved) this.moving.delete(envelope.id);
      });
    this.moving.set(envelope.id, moved);
    await moved;
  }

  /** Shutdown: a job not started yet goes back to its queue as a fresh message. */
  private async handBack(queue: string, delivery: JobDelivery, envelope: JobEnvelope, origin: JobOrigin, log: JobLogger): Promise<void> {
    await this.settle(
      delivery,
      `Job ${envelope.type} ${envelope.id}`,
      () => this.outcomes.requeue(envelope, queue, delivery.message.properties.priority as number | undefined, origin),
      log,
    );
  }

  /** Acks once what replaces the message is confirmed; holds it while the broker cannot confirm. */
  private async settle(
    delivery: JobDelivery,
    what: string,
    action: () => Promise<void>,
    log: Pick<JobLogger, 'warn'> = this.logger,
  ): Promise<void> {
    const confirmed = await untilConfirmed(
      delivery,
      action,
      () => false,
      (err, delayMs) => log.warn(`${what}: not confirmed (${err.message}); retrying in ${delayMs} ms`),
    );
    if (confirmed) delivery.ack();
  }

  private async deadLetter(source: string, delivery: JobDelivery, code: string, detail: string): Promise<void> {
    this.logger.warn(`Dead-lettering a message from ${source} (${code}: ${detail})`);
    await this.settle(delivery, 'Dead letter', () => this.outcomes.deadLetter(delivery.message, source, code, detail));
  }
}
