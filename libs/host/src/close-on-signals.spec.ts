import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { closeOnSignals } from './close-on-signals';

describe('closeOnSignals', () => {
  // Only the listeners a test adds are removed: the test runner may have its own.
  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  afterEach(() => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.off(signal, listener);
    }
  });

  it('closes the app once and exits 0, however many signals arrive while it closes', async () => {
    let finish: () => void = () => undefined;
    const close = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const lines: string[] = [];
    const logger = { log: (line: string) => lines.push(line), error: (line: string) => lines.push(line), warn: jest.fn() } as LoggerService;
    const exit = jest.fn();
    closeOnSignals({ close } as unknown as INestApplicationContext, logger, exit);

    process.emit('SIGINT');
    process.emit('SIGINT');
    process.emit('SIGTERM');
    finish();
    await new Promise((resolve) => setImmediate(resolve));

    expect(close).toHaveBeenCalledTimes(1);
    expect(exit.mock.calls).toEqual([[0]]);
    expect(lines).toEqual([
      'SIGINT received; shutting down',
      'SIGINT received; already shutting down',
      'SIGTERM received; already shutting down',
    ]);
  });

  it('exits 1 when closing fails', async () => {
    const exit = jest.fn();
    const logger = { log: jest.fn(), error: jest.fn(), warn: jest.fn() } as LoggerService;
    closeOnSignals({ close: () => Promise.reject(new Error('stuck')) } as unknown as INestApplicationContext, logger, exit);

    process.emit('SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));

    expect(exit.mock.calls).toEqual([[1]]);
    expect(logger.error).toHaveBeenCalledWith('Shutdown failed: stuck');
  });
});
