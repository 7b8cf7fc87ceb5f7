import { CaskBroker } from '@cask/nestjs';
import { TEST_AMQP_URL, auditSecretsOf } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { loadApiConfig } from '../src/config/api-config';
import { configureHttp } from '../src/http/configure-http';

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
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: ['error'] });
  configureHttp(app, config.corsOrigins);
  await app.init();
  if (options.waitForBroker !== false) await app.get(CaskBroker).whenReady();
  return app;
}
