import type { LoggerService } from '@nestjs/common';
import { QuietFrameworkLogger } from './quiet-framework-logger';

function recording(): { inner: LoggerService; lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) =>
      lines.push(`${level} ${String(rest[rest.length - 1])}: ${String(message)}`);
  return { inner: { log: at('info'), error: at('error'), warn: at('warn'), debug: at('debug'), verbose: at('verbose') }, lines };
}

describe('QuietFrameworkLogger', () => {
  it("moves Nest's start-up lines to debug and passes the app's own lines through", () => {
    const { inner, lines } = recording();
    const logger = new QuietFrameworkLogger(inner);

    logger.log('CaskModule dependencies initialized', 'InstanceLoader');
    logger.log('Mapped {/jobs, POST} route', 'RouterExplorer');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.log('Cask api listening on port 3000', 'Main');
    logger.warn('No API keys', 'Main');
    logger.error('boom', 'stack', 'InstanceLoader');
    logger.fatal('down', 'Main');

    expect(lines).toEqual([
      'debug InstanceLoader: CaskModule dependencies initialized',
      'debug RouterExplorer: Mapped {/jobs, POST} route',
      'debug NestApplication: Nest application successfully started',
      'info Main: Cask api listening on port 3000',
      'warn Main: No API keys',
      'error InstanceLoader: boom',
      'error Main: down',
    ]);
  });
});
