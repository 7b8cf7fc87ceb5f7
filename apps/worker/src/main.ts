import { JOB_DEFINITIONS, JobCatalogue, topologyFor } from '@cask/contracts';
import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { loadWorkerConfig } from './config/worker-config';
import { AmqpJobServer } from './transport/amqp-job.server';
import { WorkerModule } from './worker.module';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

async function bootstrap(): Promise<void> {
  const config = loadWorkerConfig();
  const logger = new ConsoleLogger('cask-worker', { logLevels: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1) });
  const strategy = new AmqpJobServer(config, topologyFor(config.namespace), new JobCatalogue(JOB_DEFINITIONS));
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(WorkerModule, { strategy, logger });
  app.enableShutdownHooks();
  await app.listen();
}

bootstrap().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
