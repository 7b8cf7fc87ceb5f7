import { ConfigError } from '@cask/config';
import type { JobCatalogue } from '@cask/contracts';

/**
 * Each rate-limited job type's starts per second: its definition's `rateLimitPerSecond`, unless
 * `JOB_RATE_LIMITS` overrides it.
 * @throws ConfigError naming the job types in `overrides` that the catalogue does not know.
 */
export function rateLimitsOf(catalogue: JobCatalogue, overrides: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
  const unknown = [...overrides.keys()].filter((type) => !catalogue.get(type));
  if (unknown.length > 0) {
    throw new ConfigError([`JOB_RATE_LIMITS: unknown job type(s) ${unknown.map((type) => `"${type}"`).join(', ')} (known: ${catalogue.names().join(', ')})`]);
  }
  const limits = new Map<string, number>();
  for (const { name, rateLimitPerSecond } of catalogue.all()) {
    const rate = overrides.get(name) ?? rateLimitPerSecond;
    if (rate !== undefined) limits.set(name, rate);
  }
  return limits;
}
