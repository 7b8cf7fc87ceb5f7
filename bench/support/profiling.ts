/** Where `--profile` puts CPU profiles (set by main.ts for the whole process tree), or undefined. */
export function profileDir(): string | undefined {
  return process.env.BENCH_PROFILE_DIR || undefined;
}

/**
 * Node flags that make a process write a CPU profile named after its role when it exits: every runner
 * (which hosts in-process contenders such as Cask's api) and every child it starts. Empty without
 * `--profile`.
 */
export function profileFlags(label: string): string[] {
  const dir = profileDir();
  if (!dir) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${label.replace(/[^a-z0-9]+/gi, '-')}.${Date.now()}.cpuprofile`];
}
