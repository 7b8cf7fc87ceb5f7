import { ConfigError } from '@cask/contracts';
import type { JobCatalogue } from '@cask/contracts';

/**
 * Each rate-limited job type's starts per second: its definition's `rateLimitPerSecond`, unless
 * `workers.rateLimits` overrides it.
 * @throws ConfigError naming the job types in `overrides` that the catalogue does not know.
 */
export function rateLimitsOf(catalogue: JobCatalogue, overrides: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
  const unknown = [...overrides.keys()].filter((type) => !catalogue.get(type));
  if (unknown.length > 0) {
    throw new ConfigError([
      `workers.rateLimits: unknown job type(s) ${unknown.map((type) => `"${type}"`).join(', ')} (known: ${catalogue.names().join(', ')})`,
    ]);
  }
  const limits = new Map<string, number>();
  for (const { name, rateLimitPerSecond } of catalogue.all()) {
    const rate = overrides.get(name) ?? rateLimitPerSecond;
    if (rate !== undefined) limits.set(name, rate);
  }
  return limits;
}
