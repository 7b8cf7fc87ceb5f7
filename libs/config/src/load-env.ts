import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '@cask/contracts';

/** Thrown at boot when the environment is wrong; names every bad key at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates environment variables into a typed object, once, at boot. Unknown variables are
 * ignored (the environment holds much else); known ones are converted from strings and checked.
 */
export function loadEnv<T extends object>(envClass: new () => T, env: NodeJS.ProcessEnv): T {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(envClass, defined, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true });
  if (errors.length > 0) {
    // One line per variable: the first rule it broke is enough to fix it.
    const byField = new Map<string, string>();
    for (const { field, reason } of flattenValidationErrors(errors)) if (!byField.has(field)) byField.set(field, reason);
    throw new ConfigError([...byField].map(([field, reason]) => `${field}: ${reason}`));
  }
  return config;
}
