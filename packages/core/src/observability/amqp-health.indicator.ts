import type { AmqpConnection } from '../amqp/amqp-connection';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/** A consumer as readiness sees it, e.g. an `AmqpConsumer`. */
export interface ConsumerState {
  readonly queue: string;
  readonly isAttached: boolean;
}

/**
 * The readiness checks both apps share, as terminus indicators: the broker connection, and the consumers
 * the app needs attached. Provide it beside `TerminusModule`.
 */
@Injectable()
export class AmqpHealthIndicator {
  constructor(private readonly indicators: HealthIndicatorService) {}

  /** `broker`: up while connected to RabbitMQ. */
  broker(connection: AmqpConnection): HealthIndicatorResult<'broker'> {
    const check = this.indicators.check('broker');
    return connection.isConnected ? check.up() : check.down({ message: 'Not connected to RabbitMQ; reconnecting' });
  }

  /** `consumers`: up while every one is attached; `queues` names each queue `up` or `down`. */
  consumers(consumers: readonly ConsumerState[]): HealthIndicatorResult<'consumers'> {
    const queues: Record<string, 'up' | 'down'> = {};
    for (const consumer of consumers) queues[consumer.queue] = consumer.isAttached ? 'up' : 'down';
    const check = this.indicators.check('consumers');
    return consumers.every((consumer) => consumer.isAttached) ? check.up({ queues }) : check.down({ queues });
  }
}
