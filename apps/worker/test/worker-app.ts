import { AmqpJobServer, CaskWorkerModule, CaskWorkerModuleOptions } from '@cask/worker';
import { TEST_AMQP_URL, deleteNamespace, uniqueNamespace } from '@cask/testing';
import { Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AsyncMicroserviceOptions } from '@nestjs/microservices';
import { Registry } from 'prom-client';
import { caskWorkerOptions } from '../src/config/cask-worker-options';
import { WorkerConfig, loadWorkerConfig } from '../src/config/worker-config';

/**
 * Starts a worker microservice with these handlers and environment, the way a user's worker starts
 * (`createMicroservice` with the strategy Nest built); resolves the error it refused with, if any.
 */
export async function listenWith(
  controllers: Type[],
  env: Record<string, string> = {},
  label = 'worker-app',
  overrides: Partial<CaskWorkerModuleOptions> = {},
): Promise<unknown> {
  const config = loadWorkerConfig({ AMQP_URL: TEST_AMQP_URL, CASK_NAMESPACE: uniqueNamespace(label), ...env });
  @Module({
    imports: [CaskWorkerModule.forRoot({ ...caskWorkerOptions(config, new Registry()), ...overrides })],
    controllers,
    providers: [{ provide: WorkerConfig, useValue: config }],
  })
  class HandlersModule {}
  let app;
  try {
    app = await NestFactory.createMicroservice<AsyncMicroserviceOptions>(HandlersModule, {
      inject: [AmqpJobServer],
      useFactory: (strategy: AmqpJobServer) => ({ strategy }),
      logger: false,
      abortOnError: false,
    } as AsyncMicroserviceOptions);
  } catch (err) {
    await deleteNamespace(config.namespace);
    return err;
  }
  try {
    await app.listen();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await app.close();
    await deleteNamespace(config.namespace);
  }
}
