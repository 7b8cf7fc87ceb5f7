import { logStream, pinoOptions } from '@cask/host';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino, { DestinationStream, Logger } from 'pino';
import type { ApiConfig } from '../config/api-config';
import { requestIdOf } from './request-id';

/** 503 is the api saying "not now" (broker away, outbox full, not ready): worth a warning, not an error. */
function levelOf(res: ServerResponse, err?: Error): 'info' | 'warn' | 'error' {
  if (err || (res.statusCode >= 500 && res.statusCode !== 503)) return 'error';
  return res.statusCode === 503 ? 'warn' : 'info';
}

/** The api's request logging: call it first for every request; `logger` is the pino every line goes through. */
export interface ApiHttpLogger {
  (req: IncomingMessage, res: ServerResponse): void;
  readonly logger: Logger;
}

type Logged = IncomingMessage & { log?: Logger };

/**
 * The api's request logging, as pino-http did it for the api (the same line, fields and levels): gives each
 * request its id (see {@link requestIdOf}) and a logger that puts it on every line as `request_id`, and logs
 * one line per request with its status and time once it ends. Health probes are not logged: they would drown
 * the rest. Unlike pino-http it makes one child logger per request, not two, and serializes the request only
 * for a line that is written: pino-http's second child (the request, serialized and redacted up front) cost
 * the api about 5 % of its CPU under load, at any log level.
 */
export function apiHttpLogger(
  config: Pick<ApiConfig, 'logLevel' | 'logFormat'>,
  stream: DestinationStream = logStream(config.logFormat),
): ApiHttpLogger {
  const logger = pino(
    {
      ...pinoOptions({ name: 'cask-api', level: config.logLevel, format: config.logFormat }),
      serializers: {
        req: pino.stdSerializers.req,
        // The status is what matters of a response; its headers are mostly helmet's, the same every time.
        res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    stream,
  );
  const log = (req: IncomingMessage, res: ServerResponse): void => {
    const requestLogger = logger.child({ request_id: requestIdOf(req) });
    (req as Logged).log ??= requestLogger;
    if (req.url?.startsWith('/health/')) return;
    const start = Date.now();
    const ended = (err?: Error): void => {
      res.off('close', ended);
      res.off('finish', ended);
      const level = levelOf(res, err);
      if (!requestLogger.isLevelEnabled(level)) return;
      const responseTime = Date.now() - start;
      const error = err ?? (res.statusCode >= 500 ? new Error(`failed with status code ${res.statusCode}`) : undefined);
      if (error)
        requestLogger[level]({ req, res, err: error, responseTime }, `${req.method} ${req.url} ${res.statusCode}: ${error.message}`);
      else requestLogger[level]({ req, res, responseTime }, `${req.method} ${req.url} ${res.statusCode} in ${responseTime} ms`);
    };
    res.on('close', ended);
    res.on('finish', ended);
  };
  return Object.assign(log, { logger });
}

/**
 * nestjs-pino on the same pino as the request logging, which `configureHttp` installs ahead of everything
 * else (so that a request refused before Nest's own middleware is logged too): Nest's `Logger` writes
 * through it, with the request's id inside a request.
 */
export function apiLoggerParams(http: ApiHttpLogger): Params {
  // No middleware of nestjs-pino's: `configureHttp` binds the request's logger itself, once the body is read.
  return { pinoHttp: { logger: http.logger }, useExisting: true, forRoutes: [] };
}
