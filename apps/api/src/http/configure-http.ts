import { SCHEDULE_NAME_MAX_LENGTH } from '@cask/contracts';
import { CaskHttpErrorFilter, errorBody } from '@cask/nestjs';
import { HttpException, HttpStatus, INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { Store, storage } from 'nestjs-pino/storage';
import type { IncomingMessage } from 'node:http';
import { Registry } from 'prom-client';
import { isDocsPage, serveApiDocs } from '../openapi/api-docs';
import { HTTP_LOGGER } from '../tokens';
import { HttpMetrics } from './http-metrics';
import { REQUEST_ID_HTTP_HEADER, requestIdOf } from './request-id';
import type { ApiHttpLogger } from './request-logging';

/** Largest request body accepted; larger ones answer 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The api's HTTP platform: Fastify (here a bare Nest endpoint answers twice the requests on it that it does on
 * Express, and the api spends about a third less CPU per `POST /jobs`; docs/contributing/benchmark.md).
 * `__proto__` and `constructor` keys are parsed as plain keys, as `JSON.parse` does, so that validation
 * names them instead of the parser refusing the whole body.
 */
export function apiHttpAdapter(): FastifyAdapter {
  const adapter: FastifyAdapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdOf,
    // `/dashboard/` is `/dashboard`, as on Express; and a schedule's name, up to 200 characters, fits in a path
    // parameter (Fastify's default stops at 100 and answers 404).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: SCHEDULE_NAME_MAX_LENGTH },
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // Node's own limit for receiving a request, which Fastify turns off by default.
    requestTimeout: 300_000,
    // Errors Fastify meets before any hook runs (a path that does not decode, a path parameter too long) get
    // the api's id, log line, headers and error body like every other answer.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      PREPARE.get(adapter)?.(request, reply);
      const answer = FRAMEWORK_ERRORS[error.code] ?? { status: HttpStatus.INTERNAL_SERVER_ERROR, body: errorBody('Internal server error') };
      void reply.code(answer.status).send(answer.body);
    },
  });
  return adapter;
}

/** What every request gets first (its id, log line, metrics and security headers), per adapter. */
const PREPARE = new WeakMap<object, (request: FastifyRequest, reply: FastifyReply) => void>();

const FRAMEWORK_ERRORS: Record<string, { status: number; body: ReturnType<typeof errorBody> }> = {
  FST_ERR_BAD_URL: {
    status: HttpStatus.BAD_REQUEST,
    body: errorBody('Malformed URL', [{ field: 'url', reason: 'must be a valid percent-encoded path' }]),
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: HttpStatus.URI_TOO_LONG,
    body: errorBody('Path parameter too long', [
      { field: 'url', reason: `each path segment must be at most ${SCHEDULE_NAME_MAX_LENGTH} characters` },
    ]),
  },
};

/**
 * Request ids and logging, security headers, CORS, body parsing, metrics, error mapping and the API docs
 * (`/docs`, `/docs-json`), shared by `main.ts` and the app tests so both run the same HTTP stack. The app
 * must be created on {@link apiHttpAdapter} with `bodyParser: false`.
 *
 * @param corsOrigins origins allowed to call the api from a browser (`*` for any); none by default
 */
export function configureHttp(app: INestApplication, corsOrigins: readonly string[] = []): void {
  const adapter = app.getHttpAdapter() as unknown as FastifyAdapter;
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  const httpLogger = app.get<symbol, ApiHttpLogger>(HTTP_LOGGER);
  const metrics = new HttpMetrics(app.get(Registry));
  // helmet's defaults: nosniff, frame denial, HSTS, a restrictive Content-Security-Policy and the like.
  const apiHeaders = helmet();
  // Swagger UI loads its scripts and styles from /docs/ itself, which the default policy allows; but
  // upgrade-insecure-requests would make a browser fetch them over https, which fails where the api is
  // reached over plain http (Safari does so even on localhost). Only the docs page goes without it.
  // The dashboard sets its own, stricter policy on its page and files.
  const docsHeaders = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  // First, so that every request gets its id, a log line and its headers, even a CORS preflight or one refused
  // with 413 or 415. The headers go on the Node response: a route that writes it itself (an event stream) sends
  // them too. The adapter's own first hook runs this, ahead of its CORS hook.
  const prepare = (request: FastifyRequest, reply: FastifyReply): void => {
    reply.raw.setHeader(REQUEST_ID_HTTP_HEADER, request.id);
    httpLogger(request.raw, reply.raw);
    metrics.observe(request, reply.raw);
    // helmet only sets headers, synchronously; it calls back with no error.
    (isDocsPage(pathOf(request.url)) ? docsHeaders : apiHeaders)(request.raw, reply.raw, () => undefined);
  };
  PREPARE.set(adapter, prepare);
  adapter.setOnRequestHook((request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    prepare(request, reply);
    done();
  });
  // After CORS, so that a browser can read the refusal.
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (hasBody(request.raw) && !isJson(request.headers['content-type'])) void reply.code(415).send(NOT_JSON);
    else done();
  });
  // Lines logged while a request is handled carry its id. nestjs-pino binds the request's logger in a
  // middleware, which runs before Fastify reads the body: for a request with a body, the handler would
  // then run outside that binding. Here it runs inside it.
  fastify.addHook('preHandler', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const logger = (request.raw as IncomingMessage & { log?: Store['logger'] }).log;
    if (logger) storage.run(new Store(logger), done);
    else done();
  });
  if (corsOrigins.length > 0) {
    (app as NestFastifyApplication).enableCors({
      origin: corsOrigins.includes('*') ? '*' : [...corsOrigins],
      // An OPTIONS without Origin is answered 204, as Express's cors did, not refused in plain text.
      strictPreflight: false,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Idempotency-Key', 'Last-Event-ID', 'Authorization', REQUEST_ID_HTTP_HEADER],
      exposedHeaders: ['Location', 'Retry-After', REQUEST_ID_HTTP_HEADER],
      maxAge: 600,
    });
  }
  // JSON only: Fastify's JSON parser with its errors as the api's error body; no text/plain parser.
  // A body over the limit is refused by Fastify before it is read (413, "Request body is too large").
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('ignore', 'ignore');
  // An empty body with a JSON type (a client's default header on a POST without one) is `{}`, as on Express.
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (request, body, done) => {
    if (body === '') done(null, {});
    else parseJson(request, body as string, (err, value) => (err ? done(MALFORMED_JSON(), undefined) : done(null, value)));
  });
  // Cask's routes (and the examples, which are CaskControllers) validate their own input; the error bodies
  // of every other route (unknown paths, health) are made the same.
  app.useGlobalFilters(new CaskHttpErrorFilter(app.get(HttpAdapterHost)));
  serveApiDocs(app);
}

const NOT_JSON = errorBody('Unsupported media type', [{ field: 'content-type', reason: 'must be application/json' }]);

const MALFORMED_JSON = (): HttpException =>
  new HttpException(errorBody('Malformed JSON body', [{ field: 'body', reason: 'must be valid JSON' }]), HttpStatus.BAD_REQUEST);

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}
