export * from './job-log';
export * from './job-logger';
export * from './log-level';
export * from './logger-params';
