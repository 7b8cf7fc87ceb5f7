import { ValidateBy, ValidationOptions } from 'class-validator';

const PAIR = /^([a-z][a-z0-9_.-]*)=([0-9]+)$/;

/**
 * What is wrong with a `name=count,name=count` list (e.g. `video.process=2,email.welcome=10`), or
 * undefined when it is well formed: every name a lower-case dotted word, named once, every count an
 * integer from 1 to `max`. Spaces around items are allowed.
 */
export function namedCountsProblem(text: string, max: number): string | undefined {
  const seen = new Set<string>();
  for (const item of text.split(',').map((part) => part.replace(/\s+/g, ''))) {
    const match = PAIR.exec(item);
    if (!match) return `must be name=count pairs separated by commas, e.g. "video.process=2" (got "${item.slice(0, 50)}")`;
    const [, name, count] = match;
    if (seen.has(name)) return `names "${name}" more than once`;
    seen.add(name);
    if (Number(count) < 1 || Number(count) > max) return `count of "${name}" must be an integer from 1 to ${max}`;
  }
  return undefined;
}

/**
 * Parses a list {@link IsNamedCounts} accepted. An unset or empty list is an empty map.
 * @throws TypeError when the list is malformed (validate first).
 */
export function parseNamedCounts(text: string | undefined, max = Number.MAX_SAFE_INTEGER): ReadonlyMap<string, number> {
  if (text === undefined || text.trim() === '') return new Map();
  const problem = namedCountsProblem(text, max);
  if (problem) throw new TypeError(problem);
  return new Map(
    text.split(',').map((part) => {
      const [name, count] = part.replace(/\s+/g, '').split('=');
      return [name, Number(count)] as const;
    }),
  );
}

/** Validates an environment variable holding a `name=count,...` list, e.g. `WORKER_TYPE_CONCURRENCY`. */
export function IsNamedCounts(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNamedCounts',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && namedCountsProblem(value, max) === undefined,
        defaultMessage: (args) =>
          typeof args?.value === 'string' ? (namedCountsProblem(args.value, max) ?? 'is invalid') : 'must be a string',
      },
    },
    options,
  );
}
