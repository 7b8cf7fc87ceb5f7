import { CaskBroker } from '@cask/nestjs';
import { TEST_AMQP_URL, auditSecretsOf } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { loadApiConfig } from '../src/config/api-config';
import { apiHttpAdapter, configureHttp } from '../src/http/configure-http';

const ROUTES = new WeakMap<INestApplication, Array<{ method: string; url: string }>>();

/** Every route the app's Fastify registered, one entry per method. */
export function routesOf(app: INestApplication): Array<{ method: string; url: string }> {
  return ROUTES.get(app) ?? [];
}

/** The api's Nest app with its real HTTP stack, a fresh SQLite file and the given namespace. */
export async function createApiApp(env: Record<string, string>, options: { waitForBroker?: boolean } = {}): Promise<INestApplication> {
  auditSecretsOf(env);
  const config = loadApiConfig({
    AMQP_URL: TEST_AMQP_URL,
    SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'cask-app-')), 'cask.db'),
    LOG_LEVEL: 'error',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(apiHttpAdapter(), { bodyParser: false, logger: ['error'] });
  const routes: Array<{ method: string; url: string }> = [];
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', ({ method, url }) => {
      for (const one of [method].flat()) routes.push({ method: one, url });
    });
  ROUTES.set(app, routes);
  configureHttp(app, config.corsOrigins);
  await app.init();
  // Fastify takes requests once its plugins (CORS, the docs' static files) are loaded.
  await app.getHttpAdapter().getInstance().ready();
  if (options.waitForBroker !== false) await app.get(CaskBroker).whenReady();
  return app;
}
