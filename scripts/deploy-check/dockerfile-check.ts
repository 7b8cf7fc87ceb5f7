import { posix } from 'node:path';
import type { BuildOutput } from './app-settings';
import { dockerIgnores } from './docker-ignore';
import {
  Stage,
  chain,
  copies,
  copyParts,
  execForm,
  fromFlag,
  lastArgument,
  readStages,
  runs,
  stageByReference,
  stageEnv,
} from './dockerfile-stages';
import { ImageFacts, appOfCommand, entrypointCommands, relativeTo } from './image-command';
import type { RepoFiles } from './repo-files';

export const DOCKERFILE = 'Dockerfile';
const DOCKERIGNORE = '.dockerignore';

/** Checks the Dockerfile; returns what its final stage sets up (undefined when it cannot be read). */
export function checkDockerfile(repo: RepoFiles, outputs: readonly BuildOutput[], problems: string[]): ImageFacts | undefined {
  const text = repo.read(DOCKERFILE);
  if (text === undefined) {
    problems.push(`${DOCKERFILE}: missing`);
    return undefined;
  }
  const report = (problem: string): void => void problems.push(`${DOCKERFILE}: ${problem}`);
  const stages = readStages(text);
  if (stages.length === 0) {
    report('no FROM');
    return undefined;
  }
  if (stages.length < 2) report('one stage only: build in one stage and copy what runs into a slim final stage (multi-stage)');
  const final = stages[stages.length - 1];
  const chainOf = (stage: Stage) => chain(stages, stage);
  const finalChain = chainOf(final);

  checkContextCopies(repo, stages, final, report);
  checkStageReferences(stages, report);
  checkInstalls(stages, report);

  const user = lastArgument(finalChain, 'USER');
  if (user === undefined) report('the final stage sets no USER, so the apps run as root');
  else if (/^(root|0)(:.*)?$/.test(user)) report(`the final stage runs as root (USER ${user})`);

  const env = stageEnv(finalChain);
  if (env.NODE_ENV !== 'production') report('the final stage does not set ENV NODE_ENV=production');

  checkFinalCopies(stages, final, chainOf, report);

  const workdir = lastArgument(finalChain, 'WORKDIR') ?? '/';
  const entrypoint = execForm(finalChain, 'ENTRYPOINT') ?? [];
  const cmd = execForm(finalChain, 'CMD') ?? [];
  const facts: ImageFacts = { env, workdir, entrypoint, cmd };
  const script = entrypoint.length > 0 ? copiedScript(final, entrypoint[0]) : undefined;
  if (script) {
    const source = repo.read(script);
    facts.entrypointCommands = source === undefined ? new Map() : entrypointCommands(source);
    if (facts.entrypointCommands.size === 0)
      report(`the entrypoint ${script} maps no command to an app ('api) shift; exec node <file> "$@" ;;')`);
    for (const [command, file] of facts.entrypointCommands) {
      if (!outputs.some((output) => output.main === relativeTo(workdir, file))) {
        report(`${script} runs "${file}" for "${command}", which the build does not produce (${outputs.map((o) => o.main).join(', ')})`);
      }
    }
  }
  const defaultApp = appOfCommand(facts, [], outputs);
  if (!defaultApp)
    report(`the default command (ENTRYPOINT ${JSON.stringify(entrypoint)} CMD ${JSON.stringify(cmd)}) starts no app the build produces`);
  return facts;
}

/** Files copied from the build context must exist there, and not be left out by .dockerignore. */
function checkContextCopies(repo: RepoFiles, stages: readonly Stage[], final: Stage, report: (problem: string) => void): void {
  const ignore = repo.read(DOCKERIGNORE);
  if (ignore === undefined) report(`no ${DOCKERIGNORE}: the whole folder, .env and node_modules included, goes to the build`);
  else {
    for (const secret of ['.env', 'node_modules']) {
      if (!dockerIgnores(ignore, secret)) report(`${DOCKERIGNORE} does not leave out ${secret}`);
    }
  }
  for (const stage of stages) {
    for (const instruction of copies(stage)) {
      if (fromFlag(instruction) !== undefined) continue;
      for (const source of copyParts(instruction).sources) {
        const path = posix.normalize(source.replace(/^\/+/, ''));
        if (path === '.' || path === '') {
          if (stage === final)
            report(`the final stage copies the whole build context ("${instruction.getKeyword()} ${source}"); copy only what runs`);
          continue;
        }
        if (/[*?[]/.test(path) || /^https?:/.test(source)) continue;
        if (!repo.exists(path)) report(`${instruction.getKeyword()} ${source}: no such file or folder in the repository`);
        else if (ignore !== undefined && dockerIgnores(ignore, path))
          report(`${instruction.getKeyword()} ${source}: ${DOCKERIGNORE} leaves it out of the build context`);
      }
    }
  }
}

/** COPY --from and FROM must name stages defined above them (or images, which hold a ":" or "/"). */
function checkStageReferences(stages: readonly Stage[], report: (problem: string) => void): void {
  for (const stage of stages) {
    for (const instruction of copies(stage)) {
      const from = fromFlag(instruction);
      if (from !== undefined && !/[:/]/.test(from) && !stageByReference(stages, from, stage.index)) {
        report(`COPY --from=${from}: no stage "${from}" before it`);
      }
    }
  }
}

/** Installs come from the lockfile. */
function checkInstalls(stages: readonly Stage[], report: (problem: string) => void): void {
  const commands = runs(stages);
  if (!commands.some((command) => /\bnpm\s+ci\b/.test(command))) report('no RUN npm ci: install from the lockfile');
  for (const command of commands) {
    if (/\bnpm\s+(install|i|add)\b/.test(command)) report(`"${command}": use npm ci, which installs the lockfile's exact versions`);
  }
}

/** The final image takes node_modules without dev dependencies and dist/ from a build, on one Node. */
function checkFinalCopies(
  stages: readonly Stage[],
  final: Stage,
  chainOf: (stage: Stage) => Stage[],
  report: (problem: string) => void,
): void {
  const root = (stage: Stage) => chainOf(stage)[0].base;
  const productionInstall = (commands: string[]) =>
    commands.some((command) => /\bnpm\s+(ci|prune)\b[^&|;]*(--omit[= ]dev|--production|--only[= ]prod)/.test(command));
  let modules = false;
  let dist = false;
  for (const instruction of copies(final)) {
    const from = fromFlag(instruction);
    const source = from === undefined ? undefined : stageByReference(stages, from, final.index);
    if (!source) continue;
    if (root(source) !== root(final)) {
      report(`the final stage (on ${root(final)}) copies from "${from}" (on ${root(source)}): native addons need the same Node`);
    }
    const { sources } = copyParts(instruction);
    if (sources.some((path) => /(^|\/)node_modules\/?$/.test(path))) {
      modules = true;
      if (!productionInstall(runs(chainOf(source)))) {
        report(`the final stage copies node_modules from "${from}", which installs dev dependencies too (npm ci --omit=dev)`);
      }
    }
    if (sources.some((path) => /(^|\/)dist\/?$/.test(path))) {
      dist = true;
      if (!runs(chainOf(source)).some((command) => /\b(npm\s+run\s+build|nest\s+build)\b/.test(command))) {
        report(`the final stage copies dist from "${from}", which never runs npm run build`);
      }
    }
  }
  const ownCommands = runs([final]);
  if (ownCommands.some((command) => /\bnpm\s+ci\b/.test(command))) {
    modules = true;
    if (!productionInstall(ownCommands)) report('the final stage installs dev dependencies (npm ci --omit=dev)');
  }
  if (!modules) report('the final stage gets no node_modules');
  if (!dist) report('the final stage gets no dist/ from a build stage');
}

/** The repository file the final stage copies to `command` (a path, or a name found on PATH). */
function copiedScript(final: Stage, command: string): string | undefined {
  const PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const instruction of copies(final)) {
    if (fromFlag(instruction) !== undefined) continue;
    const { sources, destination } = copyParts(instruction);
    if (sources.length !== 1) continue;
    const target = destination.endsWith('/') ? posix.join(destination, posix.basename(sources[0])) : destination;
    if (target === command || (!command.includes('/') && PATH.includes(posix.dirname(target)) && posix.basename(target) === command)) {
      return posix.normalize(sources[0].replace(/^\/+/, ''));
    }
  }
  return undefined;
}
