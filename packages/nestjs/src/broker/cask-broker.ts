import { AmqpConnection, ConfirmPublisher } from '@cask/core';
import { JobCatalogue } from '@cask/contracts';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';

/**
 * Opens the api side's broker connection at start and closes it last at shutdown. Starting never waits for
 * the broker: the app serves while RabbitMQ is away, and dispatches wait in the outbox until it is back.
 */
@Injectable()
export class CaskBroker implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CaskBroker.name);

  constructor(
    private readonly connection: AmqpConnection,
    private readonly publisher: ConfirmPublisher,
    private readonly catalogue: JobCatalogue,
  ) {}

  onModuleInit(): Promise<void> {
    // Every module's constructors have run, so every forFeature has added its jobs: the topology is known.
    this.catalogue.seal();
    return this.connection.open();
  }

  onApplicationBootstrap(): void {
    void this.publisher.start().then(() => this.logger.log('Ready to dispatch jobs'));
  }

  /** Resolves once the publisher can take jobs (for tests and readiness). */
  whenReady(): Promise<void> {
    return this.publisher.start();
  }

  /** True while jobs can be published at once (else they wait in the outbox). */
  get isReady(): boolean {
    return this.publisher.isReady;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.stop();
    await this.connection.close();
  }
}
