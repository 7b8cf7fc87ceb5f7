import { ConfigError } from '@cask/contracts';

/** The ConfigError `fn` throws; fails the test if it does not throw one. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
