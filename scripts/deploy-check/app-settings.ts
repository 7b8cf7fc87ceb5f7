import { posix } from 'node:path';
import ts from 'typescript';
import { loadApiConfig } from '../../apps/api/src/config/api-config';
import { loadWorkerConfig } from '../../apps/worker/src/config/worker-config';
import type { RepoFiles } from './repo-files';

export type AppName = 'api' | 'worker';
export const APP_NAMES: readonly AppName[] = ['api', 'worker'];

/** What a deployment needs to know of an app's configuration once it is loaded. */
export interface AppRuntime {
  /** The port its `/health/*` endpoints answer on. */
  healthPort: number;
  /** How long it may take to stop after SIGTERM, in ms. */
  shutdownGraceMs: number;
}

/** The settings both apps' env classes inherit (production mode, how to reach the broker safely). */
const SHARED_CONFIG_FILE = 'libs/host/src/production-checks.ts';

/** Where each app's settings live, and how to load them (the apps' own loaders, so their rules apply). */
export const APP_CONFIG: Readonly<Record<AppName, { file: string; load: (env: NodeJS.ProcessEnv) => AppRuntime }>> = {
  api: {
    file: 'apps/api/src/config/api-config.ts',
    load: (env) => {
      const config = loadApiConfig(env);
      return { healthPort: config.port, shutdownGraceMs: config.shutdownGraceMs };
    },
  },
  worker: {
    file: 'apps/worker/src/config/worker-config.ts',
    load: (env) => {
      const config = loadWorkerConfig(env);
      return { healthPort: config.healthPort, shutdownGraceMs: config.shutdownGraceMs };
    },
  },
};

/** Read by Node itself or the image, never by a config class. */
export const RUNTIME_KEYS: readonly string[] = ['NODE_ENV', 'NODE_OPTIONS', 'TZ'];

/**
 * The variable names an app's config class declares, with those it inherits from the shared deployment
 * settings: fields spelled in upper case, as in `  PORT: number = 3000;` or `  DATABASE_URL?: string;`.
 */
export function appConfigKeys(repo: RepoFiles, app: AppName): Set<string> {
  const source = [APP_CONFIG[app].file, SHARED_CONFIG_FILE].map((file) => repo.read(file) ?? '').join('\n');
  return new Set([...source.matchAll(/^\s+([A-Z][A-Z0-9_]*)\??\s*:/gm)].map((match) => match[1]));
}

/** An app the build produces, and the file that starts it. */
export interface BuildOutput {
  app: string;
  /** Path of its compiled entry file, relative to the repository root (and to the image's WORKDIR). */
  main: string;
  /** Its TypeScript entry file, which must exist for `main` to be produced. */
  source: string;
}

/**
 * The entry files `nest build` writes, from nest-cli.json: the project's `entryFile` under the
 * `outDir` of its tsconfig, e.g. `dist/apps/api/main.js`.
 */
export function buildOutputs(repo: RepoFiles, problems: string[]): BuildOutput[] {
  const cli = readJson(repo, 'nest-cli.json', problems) as
    | { projects?: Record<string, { type?: string; entryFile?: string; sourceRoot?: string; compilerOptions?: { tsConfigPath?: string } }> }
    | undefined;
  const outputs: BuildOutput[] = [];
  for (const [app, project] of Object.entries(cli?.projects ?? {})) {
    if (project.type !== 'application') continue;
    const tsconfig = project.compilerOptions?.tsConfigPath;
    if (!project.entryFile || !tsconfig) {
      problems.push(`nest-cli.json: project "${app}" names no entryFile or tsConfigPath`);
      continue;
    }
    const outDir = tsconfigOutDir(repo, tsconfig, problems);
    if (outDir === undefined) continue;
    outputs.push({
      app,
      main: posix.join(outDir, `${project.entryFile}.js`),
      source: posix.join(project.sourceRoot ?? '', `${project.entryFile}.ts`),
    });
  }
  return outputs;
}

/** `compilerOptions.outDir` of a tsconfig, following `extends`, relative to the repository root. */
function tsconfigOutDir(repo: RepoFiles, path: string, problems: string[]): string | undefined {
  const config = readJson(repo, path, problems) as { extends?: string; compilerOptions?: { outDir?: string } } | undefined;
  if (!config) return undefined;
  const dir = posix.dirname(path);
  if (config.compilerOptions?.outDir) return posix.normalize(posix.join(dir, config.compilerOptions.outDir));
  if (config.extends) return tsconfigOutDir(repo, posix.normalize(posix.join(dir, config.extends)), problems);
  problems.push(`${path}: no compilerOptions.outDir, so where the build writes is unknown`);
  return undefined;
}

/** Parses a JSON file that may hold comments, as tsconfig files and nest-cli.json may. */
function readJson(repo: RepoFiles, path: string, problems: string[]): unknown {
  const text = repo.read(path);
  if (text === undefined) {
    problems.push(`${path}: missing`);
    return undefined;
  }
  const { config, error } = ts.parseConfigFileTextToJson(path, text);
  if (error) {
    problems.push(`${path}: ${ts.flattenDiagnosticMessageText(error.messageText, ' ')}`);
    return undefined;
  }
  return config;
}
