import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { AddressInfo } from 'node:net';
import { loadWorkerConfig } from './config/worker-config';
import { AmqpJobServer } from '@cask/worker';
import { JOB_DEFINITIONS } from '@cask/examples';
import { QuietFrameworkLogger, closeOnSignals } from '@cask/host';
import { AppModule } from './app.module';
import { workerStartupLine } from './startup-line';

async function bootstrap(): Promise<void> {
  const config = loadWorkerConfig();
  // A hybrid app: HTTP for /health and /metrics only, the AMQP transport as its microservice. Lines logged
  // while the app starts wait for pino (LOG_FORMAT, LOG_LEVEL), which the module provides.
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true, bodyParser: false });
  app.useLogger(new QuietFrameworkLogger(app.get(PinoLogger)));
  // Now, not when the transport starts: that waits for the broker, and its lines say why it waits.
  app.flushLogs();
  const logger = new Logger('Main');
  app.connectMicroservice<MicroserviceOptions>({ strategy: app.get(AmqpJobServer) });
  closeOnSignals(app, logger);
  // Up before the broker: liveness answers while the worker waits for RabbitMQ, readiness says it waits.
  await app.listen(config.healthPort);
  const address = app.getHttpServer().address() as AddressInfo;
  logger.log(workerStartupLine(config, address.port, JOB_DEFINITIONS));
  await app.startAllMicroservices();
}

bootstrap().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
