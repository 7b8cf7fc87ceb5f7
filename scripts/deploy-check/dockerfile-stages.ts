import { DockerfileParser, Instruction } from 'dockerfile-ast';

/** A build stage: from its FROM to the next one. */
export interface Stage {
  index: number;
  name?: string;
  base: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages, in order. */
export function readStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((arg) => arg.getValue());
      const as = args.findIndex((arg) => arg.toUpperCase() === 'AS');
      stages.push({ index: stages.length, base: args[0] ?? '', name: as >= 0 ? args[as + 1]?.toLowerCase() : undefined, instructions: [] });
    } else stages[stages.length - 1]?.instructions.push(instruction);
  }
  return stages;
}

/** The stage and the earlier stages it is built FROM, base first. */
export function chain(stages: readonly Stage[], stage: Stage): Stage[] {
  const base = stages.find((candidate) => candidate.index < stage.index && candidate.name === stage.base.toLowerCase());
  return base ? [...chain(stages, base), stage] : [stage];
}

/** The stage a FROM or --from names (by name or index), defined before stage `before`. */
export function stageByReference(stages: readonly Stage[], reference: string, before: number): Stage | undefined {
  return stages.find((stage) => stage.index < before && (stage.name === reference.toLowerCase() || String(stage.index) === reference));
}

/** The value of a COPY's --from flag. */
export function fromFlag(instruction: Instruction): string | undefined {
  return (instruction as unknown as { getFromFlag?: () => { getValue(): string | null } | null }).getFromFlag?.()?.getValue() ?? undefined;
}

/** Sources and destination of a COPY or ADD, flags left out. */
export function copyParts(instruction: Instruction): { sources: string[]; destination: string } {
  const args = instruction.getArguments().map((arg) => arg.getValue());
  return { sources: args.slice(0, -1), destination: args[args.length - 1] ?? '' };
}

/** The stage's COPY and ADD instructions. */
export function copies(stage: Stage): Instruction[] {
  return stage.instructions.filter((instruction) => ['COPY', 'ADD'].includes(instruction.getKeyword()));
}

/** The commands of the stages' RUN instructions. */
export function runs(stages: readonly Stage[]): string[] {
  return stages.flatMap((stage) => stage.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent() ?? ''));
}

/** The arguments of the last `keyword` instruction in the stages. */
export function lastArgument(stages: readonly Stage[], keyword: string): string | undefined {
  const found = stages.flatMap((stage) => stage.instructions).filter((i) => i.getKeyword() === keyword);
  return found.length > 0 ? (found[found.length - 1].getArgumentsContent() ?? undefined) : undefined;
}

/** The ENV the stages set, later ones winning. */
export function stageEnv(stages: readonly Stage[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stages.flatMap((stage) => stage.instructions)) {
    if (instruction.getKeyword() !== 'ENV') continue;
    const properties = (instruction as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties();
    for (const property of properties) env[property.getName()] = property.getValue() ?? '';
  }
  return env;
}

/** ENTRYPOINT or CMD as argv: JSON form as written, shell form through /bin/sh -c. */
export function execForm(stages: readonly Stage[], keyword: string): string[] | undefined {
  const content = lastArgument(stages, keyword);
  if (content === undefined) return undefined;
  if (content.trim().startsWith('[')) {
    try {
      return JSON.parse(content) as string[];
    } catch {
      return ['/bin/sh', '-c', content];
    }
  }
  return ['/bin/sh', '-c', content];
}
