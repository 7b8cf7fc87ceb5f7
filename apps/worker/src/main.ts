import { JOB_DEFINITIONS, JobCatalogue, topologyFor } from '@cask/contracts';
import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { loadWorkerConfig } from './config/worker-config';
import { HealthServer } from './health/health-server';
import { AmqpJobServer } from './transport/amqp-job.server';
import { WorkerModule } from './worker.module';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

async function bootstrap(): Promise<void> {
  const config = loadWorkerConfig();
  const logger = new ConsoleLogger('cask-worker', { logLevels: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1) });
  const strategy = new AmqpJobServer(config, topologyFor(config.namespace), new JobCatalogue(JOB_DEFINITIONS));
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(WorkerModule.forRoot(config), { strategy, logger });
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
