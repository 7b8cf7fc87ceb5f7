import { CaskHttpErrorFilter, errorBody } from '@cask/nestjs';
import { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { HttpLogger } from 'pino-http';
import { isDocsPage, serveApiDocs } from '../openapi/api-docs';
import { HTTP_LOGGER } from '../tokens';
import { REQUEST_ID_HTTP_HEADER } from './request-id';

/** Largest request body accepted; larger ones answer 413. */
export const BODY_LIMIT = '1mb';

/**
 * Request ids and logging, security headers, CORS, body parsing,
 * validation, error mapping and the API docs (`/docs`, `/docs-json`), shared by `main.ts` and the app tests
 * so both run the same HTTP stack. The app must be created with `bodyParser: false`.
 *
 * @param corsOrigins origins allowed to call the api from a browser (`*` for any); none by default
 */
export function configureHttp(app: INestApplication, corsOrigins: readonly string[] = []): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  // First, so that every request gets its id and a log line, even one refused with 413 or 415.
  express.use(app.get<symbol, HttpLogger>(HTTP_LOGGER));
  // helmet's defaults: nosniff, frame denial, HSTS, a restrictive Content-Security-Policy and the like.
  const apiHeaders = helmet();
  // Swagger UI loads its scripts and styles from /docs/ itself, which the default policy allows; but
  // upgrade-insecure-requests would make a browser fetch them over https, which fails where the api is
  // reached over plain http (Safari does so even on localhost). Only the docs page goes without it.
  // The dashboard sets its own, stricter policy on its page and files.
  const docsHeaders = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  express.use((req: Request, res: Response, next: NextFunction) => (isDocsPage(req.path) ? docsHeaders : apiHeaders)(req, res, next));
  if (corsOrigins.length > 0) {
    app.enableCors({
      origin: corsOrigins.includes('*') ? '*' : [...corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Idempotency-Key', 'Last-Event-ID', 'Authorization', REQUEST_ID_HTTP_HEADER],
      exposedHeaders: ['Location', 'Retry-After', REQUEST_ID_HTTP_HEADER],
      maxAge: 600,
    });
  }
  express.use(requireJsonBody);
  express.useBodyParser('json', { limit: BODY_LIMIT, strict: true });
  express.use(bodyParserErrors);
  // Cask's routes (and the examples, which are CaskControllers) validate their own input; the error bodies
  // of every other route (unknown paths, health) are made the same.
  app.useGlobalFilters(new CaskHttpErrorFilter(app.get(HttpAdapterHost)));
  serveApiDocs(app);
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** 415 for a body that is not JSON: the api speaks only JSON. */
function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  if (hasBody(req) && !req.is('application/json')) {
    res.status(415).json(errorBody('Unsupported media type', [{ field: 'content-type', reason: 'must be application/json' }]));
    return;
  }
  next();
}

/** body-parser errors happen before Nest's filters, so they are mapped here. */
function bodyParserErrors(err: { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction): void {
  if (err.type === 'entity.too.large') {
    res.status(413).json(errorBody(`Request body larger than ${BODY_LIMIT}`));
  } else if (err.type === 'entity.parse.failed') {
    res.status(400).json(errorBody('Malformed JSON body', [{ field: 'body', reason: 'must be valid JSON' }]));
  } else if (err.status && err.status >= 400 && err.status < 500) {
    res.status(err.status).json(errorBody('Unreadable request body'));
  } else {
    next(err);
  }
}
