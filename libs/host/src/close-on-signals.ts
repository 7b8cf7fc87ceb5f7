import type { INestApplicationContext, LoggerService } from '@nestjs/common';

/**
 * Closes the app on SIGTERM or SIGINT, then exits 0 (1 if closing failed). Not `enableShutdownHooks()`: it
 * re-raises the signal after closing, so a clean stop would exit 143. A signal that arrives while the app is
 * closing is noted and otherwise ignored: Ctrl-C under `npm start` reaches each app twice (from the terminal,
 * and forwarded by the runner), and closing is bounded by the app's shutdown grace anyway.
 */
export function closeOnSignals(app: INestApplicationContext, logger: LoggerService, exit: (code: number) => void = process.exit): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.log(`${signal} received; already shutting down`);
      return;
    }
    closing = true;
    logger.log(`${signal} received; shutting down`);
    app.close().then(
      () => exit(0),
      (err: Error) => {
        logger.error(`Shutdown failed: ${err.message}`);
        exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => onSignal(signal));
}
