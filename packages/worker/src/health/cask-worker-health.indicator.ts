import { AmqpConnection, AmqpHealthIndicator } from '@cask/core';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AmqpJobServer } from '../transport/amqp-job.server';

/**
 * The worker's readiness checks as terminus indicators, for the host's health controller: connected, the
 * consumer of every job, suspect and rescue queue it serves attached, and not shutting down.
 */
@Injectable()
export class CaskWorkerHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly amqp: AmqpHealthIndicator,
    private readonly connection: AmqpConnection,
    private readonly server: AmqpJobServer,
  ) {}

  /** `broker`: up while connected to RabbitMQ. */
  broker(): HealthIndicatorResult<'broker'> {
    return this.amqp.broker(this.connection);
  }

  /** `consumers`: up while every job, suspect and rescue queue consumer is attached. */
  consumers(): HealthIndicatorResult<'consumers'> {
    return this.amqp.consumers(this.server.queueConsumers);
  }

  /** `accepting_jobs`: down from the start of shutdown. */
  acceptingJobs(): HealthIndicatorResult<'accepting_jobs'> {
    const check = this.indicators.check('accepting_jobs');
    return this.server.isClosing ? check.down({ message: 'Shutting down' }) : check.up();
  }
}
