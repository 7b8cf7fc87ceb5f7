import { Logger } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { jobLog } from '@cask/contracts';
import { JobLogger } from '@cask/core';
import { LogLevel } from './log-level';
import { loggerParams, pinoOptions } from './logger-params';

/** A pino destination that keeps each line, parsed. */
function capture(): { stream: { write(line: string): void }; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, stream: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

function jsonLogger(level: LogLevel = 'log') {
  const { stream, lines } = capture();
  return { logger: pino(pinoOptions({ name: 'cask-test', level, format: 'json' }), stream), lines };
}

describe('logger params', () => {
  it('writes JSON lines with the level by name, an ISO time and the process name', () => {
    const { logger, lines } = jsonLogger();
    logger.info({ job_id: 'j1' }, 'hello');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', name: 'cask-test', job_id: 'j1', msg: 'hello' });
    expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
  });

  it('filters by LOG_LEVEL: at log, debug lines are dropped; at verbose, even trace lines pass', () => {
    const quiet = jsonLogger('log');
    quiet.logger.debug('hidden');
    quiet.logger.info('shown');
    expect(quiet.lines.map((line) => line.msg)).toEqual(['shown']);

    const chatty = jsonLogger('verbose');
    chatty.logger.trace('shown too');
    expect(chatty.lines.map((line) => line.msg)).toEqual(['shown too']);
  });

  it('redacts credentials in request headers, secrets, passwords, payloads and results', () => {
    const { logger, lines } = jsonLogger();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer token-1', cookie: 'sid=cookie-1', 'x-api-key': 'key-1', accept: 'application/json' } },
        payload: { email: 'someone@example.com' },
        job: { payload: { card: 'card-1' }, result: { token: 'result-1' } },
        key: { id: 'k1', secret: 'secret-1' },
        password: 'password-1',
      },
      'a careless line',
    );

    const text = JSON.stringify(lines[0]);
    for (const value of ['token-1', 'cookie-1', 'key-1', 'someone@example.com', 'card-1', 'result-1', 'secret-1', 'password-1'])
      expect(text).not.toContain(value);
    expect(lines[0]).toMatchObject({ req: { headers: { accept: 'application/json', authorization: '[redacted]' } }, key: { id: 'k1' } });
  });

  it('keeps numeric levels and epoch times for the pretty printer', () => {
    const { stream, lines } = capture();
    pino(pinoOptions({ name: 'cask-test', level: 'log', format: 'pretty' }), stream).warn('readable');

    expect(lines[0]).toMatchObject({ level: 40, msg: 'readable' });
    expect(typeof lines[0].time).toBe('number');
  });

  it("puts a job's fields and the class's context on the lines of Nest's Logger, through nestjs-pino", () => {
    const { stream, lines } = capture();
    const params = loggerParams({ name: 'cask-test', level: 'debug', format: 'json' });
    const [options] = params.pinoHttp as [object, unknown];
    Logger.overrideLogger(new NestPinoLogger(new PinoLogger({ pinoHttp: [options, stream] }), {}));
    try {
      const log = new JobLogger(new Logger('JobExecutor'), jobLog('job-1', 'email.welcome', { attempt: 2, requestId: 'req-1' }));
      log.debug('Job email.welcome job-1: succeeded in 3 ms');
      log.error('Job email.welcome job-1: executor failed', new Error('boom'));
    } finally {
      Logger.overrideLogger(false);
    }

    expect(lines[0]).toMatchObject({
      level: 'debug',
      context: 'JobExecutor',
      job_id: 'job-1',
      job_type: 'email.welcome',
      attempt: 2,
      request_id: 'req-1',
      msg: 'Job email.welcome job-1: succeeded in 3 ms',
    });
    expect(lines[1]).toMatchObject({ level: 'error', context: 'JobExecutor', job_id: 'job-1', err: { message: 'boom' } });
    expect((lines[1].err as { stack: string }).stack).toContain('boom');
  });
});
