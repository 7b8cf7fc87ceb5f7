import type { Level } from 'pino';

/** `LOG_LEVEL` values: Nest's level names, each including the ones before it. */
export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_FORMAT` values: one JSON object per line, or readable lines for a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Nest's `log` is pino's `info` and `verbose` its `trace`; nestjs-pino maps the methods the same way. */
const PINO_LEVELS: Record<LogLevel, Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** The pino level that lets through exactly the lines `LOG_LEVEL` names. */
export function pinoLevel(level: LogLevel): Level {
  return PINO_LEVELS[level];
}

/**
 * The format when `LOG_FORMAT` is unset: JSON in production, where a collector reads the lines, readable
 * lines anywhere else.
 */
export function defaultLogFormat(nodeEnv: string | undefined): LogFormat {
  return nodeEnv === 'production' ? 'json' : 'pretty';
}
