import { pinoHttpArgs } from '@cask/host';
import type { ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { HttpLogger, pinoHttp } from 'pino-http';
import type { ApiConfig } from '../config/api-config';
import { requestIdOf } from './request-id';

/** 503 is the api saying "not now" (broker away, outbox full, not ready): worth a warning, not an error. */
function levelOf(res: ServerResponse, err?: Error): 'info' | 'warn' | 'error' {
  if (err || (res.statusCode >= 500 && res.statusCode !== 503)) return 'error';
  return res.statusCode === 503 ? 'warn' : 'info';
}

/**
 * The api's request logging (pino-http): gives each request its id (see {@link requestIdOf}) and logs
 * one line per request with it, its status and time. Lines logged while a request is handled carry the
 * id as `request_id`. Health probes are not logged: they would drown the rest.
 */
export function apiHttpLogger(config: Pick<ApiConfig, 'logLevel' | 'logFormat'>): HttpLogger {
  const [options, stream] = pinoHttpArgs({
    name: 'cask-api',
    level: config.logLevel,
    format: config.logFormat,
    http: {
      genReqId: (req) => requestIdOf(req),
      // Only the id on the lines of a request, not the whole request again on each of them.
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'request_id' },
      customLogLevel: (_req, res, err) => levelOf(res, err),
      customSuccessMessage: (req, res, responseTime) => `${req.method} ${req.url} ${res.statusCode} in ${responseTime} ms`,
      customErrorMessage: (req, res, err) => `${req.method} ${req.url} ${res.statusCode}: ${err.message}`,
      autoLogging: { ignore: (req) => req.url?.startsWith('/health/') ?? false },
      // The status is what matters of a response; its headers are mostly helmet's, the same every time.
      serializers: { res: (res: ServerResponse) => ({ statusCode: res.statusCode }) },
    },
  });
  return pinoHttp(options, stream);
}

/**
 * nestjs-pino on the same pino as the request logging, which `configureHttp` installs ahead of everything
 * else (so that a request refused before Nest's own middleware is logged too): Nest's `Logger` writes
 * through it, with the request's id inside a request.
 */
export function apiLoggerParams(http: HttpLogger): Params {
  // No middleware of nestjs-pino's: `configureHttp` binds the request's logger itself, once the body is read.
  return { pinoHttp: { logger: http.logger }, useExisting: true, forRoutes: [] };
}
