import { AmqpConnection, ConfirmPublisher } from '@cask/amqp';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';

/**
 * Opens the api's broker connection at start and closes it last at shutdown. Starting never waits for
 * the broker: the api serves while RabbitMQ is away, and dispatches wait in the outbox until it is back.
 */
@Injectable()
export class ApiBroker implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ApiBroker.name);

  constructor(
    private readonly connection: AmqpConnection,
    private readonly publisher: ConfirmPublisher,
  ) {}

  onModuleInit(): Promise<void> {
    return this.connection.open();
  }

  onApplicationBootstrap(): void {
    void this.publisher.start().then(() => this.logger.log('Ready to dispatch jobs'));
  }

  /** Resolves once the publisher can take jobs (for tests and readiness). */
  whenReady(): Promise<void> {
    return this.publisher.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.stop();
    await this.connection.close();
  }
}
