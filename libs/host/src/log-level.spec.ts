import { defaultLogFormat, pinoLevel } from './log-level';

describe('log levels and formats', () => {
  it('maps each LOG_LEVEL to the pino level that lets through the same lines', () => {
    expect(pinoLevel('error')).toBe('error');
    expect(pinoLevel('warn')).toBe('warn');
    expect(pinoLevel('log')).toBe('info');
    expect(pinoLevel('debug')).toBe('debug');
    expect(pinoLevel('verbose')).toBe('trace');
  });

  it('defaults to JSON only in production', () => {
    expect(defaultLogFormat('production')).toBe('json');
    expect(defaultLogFormat('development')).toBe('pretty');
    expect(defaultLogFormat(undefined)).toBe('pretty');
  });
});
