import { ConfigError, JobCatalogue, JobDefinition } from '@cask/contracts';

const quoted = (names: Iterable<string>) => [...names].map((name) => `"${name}"`).join(', ');

/**
 * Checks that the variables naming job types (`JOB_RATE_LIMITS=video.process=2`) and job queues
 * (`WORKER_QUEUES=video`) name ones the app's job definitions know, so a typo stops the app at start with the
 * variable's name, before Cask checks the options made of it.
 * @throws ConfigError naming every unknown type and queue
 */
export function checkJobNames(
  jobs: readonly JobDefinition[],
  named: {
    types?: Readonly<Record<string, ReadonlyMap<string, number>>>;
    queues?: Readonly<Record<string, readonly string[] | undefined>>;
  },
): void {
  const catalogue = new JobCatalogue(jobs);
  const problems: string[] = [];
  for (const [variable, queues] of Object.entries(named.queues ?? {})) {
    const unknown = (queues ?? []).filter((queue) => !catalogue.queues().includes(queue));
    if (unknown.length > 0) problems.push(`${variable}: no job is routed to ${quoted(unknown)} (queues: ${catalogue.queues().join(', ')})`);
  }
  for (const [variable, counts] of Object.entries(named.types ?? {})) {
    const unknown = [...counts.keys()].filter((type) => !catalogue.get(type));
    if (unknown.length > 0) problems.push(`${variable}: unknown job type(s) ${quoted(unknown)} (known: ${catalogue.names().join(', ')})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
