import { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import { buildApiDocument } from './api-document';

/** Where Swagger UI is served; its assets live under it, the document at `/docs-json`. */
export const DOCS_PATH = '/docs';

/** The Swagger UI page and its assets (not `/docs-json`). */
export function isDocsPage(path: string): boolean {
  return path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`);
}

/**
 * Serves Swagger UI at `/docs`, from the assets of `swagger-ui-dist` (no CDN), and the OpenAPI document at
 * `/docs-json`. The document is built once, at boot, so a route that cannot be described fails the start.
 */
export function serveApiDocs(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, buildApiDocument(app), {
    raw: ['json'],
    customSiteTitle: 'Cask api',
    // The default validator badge would fetch from an outside host, which the page's CSP refuses anyway.
    swaggerOptions: { validatorUrl: null },
  });
}
