import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JOB_DEFINITIONS } from '@cask/examples';
import { QuietFrameworkLogger, closeOnSignals } from '@cask/host';
import { AppModule } from './app.module';
import { loadApiConfig } from './config/api-config';
import { apiHttpAdapter, configureHttp } from './http/configure-http';
import { apiStartupLine } from './startup-line';

async function bootstrap(): Promise<void> {
  const config = loadApiConfig();
  // Lines logged while the app starts wait for pino (LOG_FORMAT, LOG_LEVEL), which the module provides.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), apiHttpAdapter(), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(new QuietFrameworkLogger(app.get(PinoLogger)));
  // Now, not when listen() resolves: that waits for the broker, and its lines say why it waits.
  app.flushLogs();
  const logger = new Logger('Main');
  if (config.apiKeys.length === 0) logger.warn('CASK_API_KEYS is not set: the api is open, every request acts for the "default" tenant');
  configureHttp(app, config.corsOrigins);
  closeOnSignals(app, logger);
  await app.listen(config.port, '0.0.0.0');
  const address = app.getHttpServer().address() as AddressInfo;
  logger.log(apiStartupLine(config, address.port, JOB_DEFINITIONS));
}

bootstrap().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
