import { ConfigError } from '@cask/contracts';
import type { JobCatalogue } from '@cask/contracts';
import type { PoolSettings } from '../worker-settings';

/** What one worker consumes and how it limits the jobs it runs, resolved against the job catalogue. */
export interface PoolPlan {
  /** Job queues this worker consumes, sorted. */
  readonly queues: readonly string[];
  /** Caps on running jobs per type in this worker, for the types on those queues that have one. */
  readonly typeCaps: ReadonlyMap<string, number>;
  /** Starts per second per type across all workers, for the types on those queues that have one. */
  readonly rateLimits: ReadonlyMap<string, number>;
  /** Prefetch of the consumer of a job queue. */
  prefetch(queue: string): number;
}

const quoted = (names: Iterable<string>) => [...names].map((name) => `"${name}"`).join(', ');

/**
 * Resolves the worker's `queues`, `typeConcurrency` and `rateLimits` against the catalogue; an option wins
 * over the job definition.
 * @throws ConfigError naming every queue or job type the catalogue does not know.
 */
export function planPool(config: PoolSettings, catalogue: JobCatalogue): PoolPlan {
  const known = catalogue.queues();
  const problems: string[] = [];
  const unknownQueues = (config.queues ?? []).filter((queue) => !known.includes(queue));
  if (unknownQueues.length > 0) problems.push(`queues: no job is routed to ${quoted(unknownQueues)} (queues: ${known.join(', ')})`);
  for (const [variable, overrides] of [
    ['typeConcurrency', config.typeConcurrency],
    ['rateLimits', config.rateLimits],
  ] as const) {
    const unknownTypes = [...overrides.keys()].filter((type) => !catalogue.get(type));
    if (unknownTypes.length > 0)
      problems.push(`${variable}: unknown job type(s) ${quoted(unknownTypes)} (known: ${catalogue.names().join(', ')})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const queues = config.queues ? [...config.queues].sort() : known;
  const consumed = catalogue.all().filter((definition) => queues.includes(definition.queue));
  const typeCaps = new Map<string, number>();
  const rateLimits = new Map<string, number>();
  for (const { name, concurrency, rateLimitPerSecond } of consumed) {
    const cap = config.typeConcurrency.get(name) ?? concurrency;
    const rate = config.rateLimits.get(name) ?? rateLimitPerSecond;
    if (cap !== undefined) typeCaps.set(name, cap);
    if (rate !== undefined) rateLimits.set(name, rate);
  }
  return {
    queues,
    typeCaps,
    rateLimits,
    prefetch(queue: string): number {
      // When every type on a queue is capped, more messages than the caps allow to run would only wait
      // in this worker, where other workers cannot take them and RabbitMQ's consumer timeout ticks.
      const caps = consumed.filter((definition) => definition.queue === queue).map((definition) => typeCaps.get(definition.name));
      if (caps.length === 0 || caps.some((cap) => cap === undefined)) return config.concurrency;
      return Math.min(
        config.concurrency,
        caps.reduce((sum: number, cap) => sum + (cap as number), 0),
      );
    },
  };
}
