import type { Params } from 'nestjs-pino';
import pino, { DestinationStream, LoggerOptions } from 'pino';
import type { Options } from 'pino-http';
import pretty from 'pino-pretty';
import { LogFormat, LogLevel, pinoLevel } from './log-level';

/**
 * What is never written, whoever logs it: credentials in request headers, and any field named like a
 * secret, a job's payload or result. Code does not log these; this is the safety net if some line does.
 * Paths match the top level and one level down.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...['payload', 'result', 'secret', 'password', 'apiKey', 'api_key', 'signingKeys', 'amqpUrl', 'databaseUrl'].flatMap((key) => [
    key,
    `*.${key}`,
  ]),
];

/** How an app logs; see README "Logs". */
export interface CaskLoggerOptions {
  /** Names the process in every JSON line (`name`), e.g. `cask-api`. */
  name: string;
  /** `LOG_LEVEL`: lines below it are dropped. */
  level: LogLevel;
  /** `LOG_FORMAT`: JSON lines or readable ones. */
  format: LogFormat;
  /** The app's pino-http settings: request ids, which requests are logged and at what level. */
  http?: Options;
}

/** pino's settings for an app: level, redaction, and for JSON, ISO times and level names a collector can read. */
export function pinoOptions({ name, level, format }: Omit<CaskLoggerOptions, 'http'>): LoggerOptions {
  const options: LoggerOptions = { name, level: pinoLevel(level), redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' } };
  if (format === 'json') {
    options.timestamp = pino.stdTimeFunctions.isoTime;
    options.formatters = { level: (label) => ({ level: label }) };
  }
  return options;
}

/**
 * Where lines go: stdout, written synchronously so that the last lines before a crash are not lost (and
 * pretty-printed in this process rather than in a transport thread, for the same reason).
 */
export function logStream(format: LogFormat): DestinationStream {
  if (format === 'json') return pino.destination({ dest: 1, sync: true });
  return pretty({
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // A request's line says method, path, status and time in its message; the rest is for collectors.
    ignore: 'pid,hostname,name,context,req,res,responseTime',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}

/** What `pinoHttp()` takes for an app: its options and where its lines go. */
export function pinoHttpArgs(options: CaskLoggerOptions): [Options, DestinationStream] {
  return [{ ...pinoOptions(options), ...options.http }, logStream(options.format)];
}

/** nestjs-pino's `LoggerModule.forRoot()` parameters for an app. */
export function loggerParams(options: CaskLoggerOptions): Params {
  return { pinoHttp: pinoHttpArgs(options) };
}
