import { posix } from 'node:path';
import type { BuildOutput } from './app-settings';

/** What the image's final stage gives every container: what the Compose check builds on. */
export interface ImageFacts {
  env: Record<string, string>;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
  /** When the entrypoint is a script from the repository: the commands it maps to files. */
  entrypointCommands?: ReadonlyMap<string, string>;
}

/**
 * The commands an entrypoint script maps to files, from its `case` arms of the form
 * `  api) shift; exec node dist/apps/api/main.js "$@" ;;`.
 */
export function entrypointCommands(script: string): Map<string, string> {
  const commands = new Map<string, string>();
  for (const match of script.matchAll(/^\s*([a-z][a-z0-9-]*)\)\s*shift;\s*exec\s+node\s+(\S+)/gm)) {
    commands.set(match[1], match[2]);
  }
  return commands;
}

/**
 * The app a container of this image runs with `command` (Compose's `command:`; empty: the image's CMD),
 * through the entrypoint script's commands or as `node <file>`; undefined when it runs none.
 */
export function appOfCommand(image: ImageFacts, command: readonly string[], outputs: readonly BuildOutput[]): BuildOutput | undefined {
  const args = command.length > 0 ? command : image.cmd;
  let file: string | undefined;
  if (image.entrypointCommands) file = image.entrypointCommands.get(args[0]) ?? (args[0] === 'node' ? args[1] : undefined);
  else {
    const argv = [...image.entrypoint, ...args];
    if (argv[0] === 'node') file = argv[1];
  }
  if (file === undefined) return undefined;
  return outputs.find((output) => output.main === relativeTo(image.workdir, file));
}

/** `file` relative to the working directory, as the build outputs are written. */
export function relativeTo(workdir: string, file: string): string {
  return posix.isAbsolute(file) ? posix.relative(workdir, file) : posix.normalize(file);
}
