import { PACK_FORMAT } from '@cask/contracts';
import { ConfirmPublisher } from '@cask/core';
import { CaskTopology, WorkerHeartbeat, encodeHeartbeat } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/** Who a worker is and what it consumes: the unchanging part of its heartbeats. */
export interface WorkerIdentity {
  workerId: string;
  host: string;
  pid: number;
  queues: readonly string[];
  concurrency: number;
  startedAt: number;
}

/**
 * Tells the api, every `intervalMs`, that this worker is alive and how busy it is; the api lists it under
 * `GET /workers` until it falls silent. A worker that stops cleanly says goodbye, so it leaves the list
 * at once instead of after the api's timeout.
 */
export class HeartbeatPublisher {
  private readonly logger = new Logger(HeartbeatPublisher.name);
  private timer?: NodeJS.Timeout;
  private sending?: Promise<void>;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly publisher: ConfirmPublisher,
    private readonly topology: CaskTopology,
    private readonly identity: WorkerIdentity,
    private readonly inFlight: () => number,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The heartbeat as it would be sent now. */
  heartbeat(stopping = false): WorkerHeartbeat {
    const { workerId, host, pid, queues, concurrency, startedAt } = this.identity;
    return {
      worker_id: workerId,
      host,
      pid,
      queues: [...queues],
      concurrency,
      in_flight: this.inFlight(),
      started_at: startedAt,
      at: this.now(),
      formats: [1, PACK_FORMAT],
      ...(stopping ? { stopping: true } : {}),
    };
  }

  /** Sends a heartbeat now, then every interval. */
  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    this.timer.unref();
  }

  /** Sends no more heartbeats and, once the last one is settled, a goodbye (if it ever said hello). Never throws. */
  async goodbye(): Promise<void> {
    if (this.stopped || !this.timer) return;
    this.stopped = true;
    clearInterval(this.timer);
    // After the last heartbeat: on one channel, so the api applies the goodbye last.
    await this.sending;
    try {
      await this.send(this.heartbeat(true));
      this.logger.log(`Worker ${this.identity.workerId} said goodbye`);
    } catch (err) {
      this.logger.warn(
        `Could not say goodbye (${(err as Error).message}); the api drops this worker once its heartbeats stop for long enough`,
      );
    }
  }

  private beat(): void {
    // One at a time: while the broker is slow to confirm, skipped beats are better than a pile of stale ones.
    if (this.sending || this.stopped) return;
    this.sending = this.send(this.heartbeat())
      .then(
        () => {
          if (this.failing) this.logger.log('Heartbeats are getting through again');
          this.failing = false;
        },
        (err: Error) => {
          // A worker without heartbeats still runs jobs; only its place in GET /workers is at stake.
          if (!this.failing) this.logger.warn(`Heartbeat not sent (${err.message}); retrying every ${this.intervalMs} ms`);
          this.failing = true;
        },
      )
      .finally(() => (this.sending = undefined));
  }

  private send(heartbeat: WorkerHeartbeat): Promise<void> {
    return this.publisher.publish(this.topology.eventsExchange, this.topology.heartbeatRoutingKey, encodeHeartbeat(heartbeat), {
      messageId: randomUUID(),
      type: heartbeat.stopping ? 'goodbye' : 'heartbeat',
    });
  }
}
