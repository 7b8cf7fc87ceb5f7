import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConfigError, flattenValidationErrors } from '@cask/contracts';

export { ConfigError };

/**
 * Reads and validates environment variables into a typed object, once, at boot. Unknown variables are
 * ignored (the environment holds much else); known ones are converted from strings and checked.
 */
export function loadEnv<T extends object>(envClass: new () => T, env: NodeJS.ProcessEnv): T {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(envClass, defined, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true });
  if (errors.length > 0) {
    // One line per variable: the first rule it broke, as the class lists them, is enough to fix it.
    // class-validator reports decorators bottom-up, so the last reason is the top-most rule (the type
    // check): "PORT: must be an integer" for PORT=abc, not "must be at most 65535".
    const byField = new Map<string, string>();
    for (const { field, reason } of flattenValidationErrors(errors)) byField.set(field, reason);
    throw new ConfigError([...byField].map(([field, reason]) => `${field}: ${reason}`));
  }
  return config;
}
