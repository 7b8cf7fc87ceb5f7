import { addCaskToDocument } from '@cask/nestjs';
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Where Swagger UI is served; its assets live under it, the document at `/docs-json`. */
export const DOCS_PATH = '/docs';

/** The Swagger UI page and its assets (not `/docs-json`). */
export function isDocsPage(path: string): boolean {
  return path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`);
}

const DESCRIPTION = `Durable background jobs on RabbitMQ: dispatch jobs, follow them, schedule them.

Bodies are JSON with \`snake_case\` fields; unknown fields are refused. Every error is
\`{"error": "<sentence>", "details": [{"field", "reason"}]}\` (\`details\` only for bad input), never a stack trace.

Send an API key as \`Authorization: Bearer <api key>\` to every endpoint except \`/health/*\`, \`/metrics\` and \`/docs\`.`;

/**
 * Serves Swagger UI at `/docs`, from the assets of `swagger-ui-dist` (no CDN), and the OpenAPI document at
 * `/docs-json`. The document is built once, at boot, so a route that cannot be described fails the start.
 */
export function serveApiDocs(app: INestApplication): void {
  const config = new DocumentBuilder().setTitle('Cask api').setDescription(DESCRIPTION).build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  SwaggerModule.setup(DOCS_PATH, app, addCaskToDocument(document, app), {
    raw: ['json'],
    customSiteTitle: 'Cask api',
    // The default validator badge would fetch from an outside host, which the page's CSP refuses anyway.
    swaggerOptions: { validatorUrl: null },
  });
}
