import { JOB_DEFINITIONS, JobCatalogue, topologyFor } from '@cask/contracts';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { Logger as PinoLogger } from 'nestjs-pino';
import { loadWorkerConfig } from './config/worker-config';
import { HealthServer } from './health/health-server';
import { AmqpJobServer } from './transport/amqp-job.server';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadWorkerConfig();
  const strategy = new AmqpJobServer(config, topologyFor(config.namespace), new JobCatalogue(JOB_DEFINITIONS));
  // Lines logged while the app starts wait for pino (LOG_FORMAT, LOG_LEVEL), which the module provides.
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(WorkerModule.forRoot(config), { strategy, bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // Now, not when listen() resolves: that waits for the broker, and its lines say why it waits.
  app.flushLogs();
  const logger = new Logger('Main');
  // Up before the broker: liveness answers while the worker waits for RabbitMQ, readiness says it waits.
  const health = new HealthServer(() => strategy.health());
  await health.start(config.healthPort);
  // Not enableShutdownHooks(): it re-raises the signal after closing, so a clean stop would exit 143.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal} received; shutting down`);
      app.close().then(
        async () => {
          await health.stop();
          process.exit(0);
        },
        (err: Error) => {
          logger.error(`Shutdown failed: ${err.message}`);
          process.exit(1);
        },
      );
    });
  }
  await app.listen();
}

bootstrap().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
