import type { RepoFiles } from './repo-files';

export const ENV_EXAMPLE = '.env.example';

/** What .env.example says about each variable. */
export interface EnvExample {
  /** Lines `NAME=value`: what a .env copied from it sets. */
  set: ReadonlyMap<string, string>;
  /** Lines `# NAME=value`: documented, with an example a user uncomments. */
  commented: ReadonlyMap<string, string>;
}

/** Reads .env.example; an absent file documents nothing. */
export function readEnvExample(repo: RepoFiles): EnvExample {
  const set = new Map<string, string>();
  const commented = new Map<string, string>();
  for (const line of (repo.read(ENV_EXAMPLE) ?? '').split('\n')) {
    const active = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (active) set.set(active[1], active[2].trim());
    const example = /^#\s*([A-Z_][A-Z0-9_]*)=(\S*)\s*$/.exec(line);
    if (example && !commented.has(example[1])) commented.set(example[1], example[2]);
  }
  return { set, commented };
}

/** Whether .env.example mentions the variable as a setting, set or commented out. */
export function documents(example: EnvExample, name: string): boolean {
  return example.set.has(name) || example.commented.has(name);
}
