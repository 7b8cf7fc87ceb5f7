import { BatchCounts, defineJob } from '@cask/contracts';
import { IsBoolean, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

/** Example job: replace with your own. Payload of `demo.step`. */
export class DemoStepPayload {
  @IsString()
  @Length(1, 64)
  name: string;

  /** How long the step takes. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  sleep_ms?: number;

  /** Fail for good instead of succeeding. */
  @IsOptional()
  @IsBoolean()
  fail?: boolean;
}

export interface DemoStepResult {
  name: string;
  /** What the step read of its parents (`ctx.parents`): each one's status and result, by key. */
  parents: Record<string, { status: string; result: unknown }>;
  /** For a batch's callback: how the batch ended (`ctx.batch`). */
  batch?: BatchCounts;
}

/** Example job: one step of a flow; it answers with what it read of its parents. */
export const DemoStep = defineJob<DemoStepPayload, DemoStepResult>('demo.step', {
  payload: DemoStepPayload,
  example: { name: 'fetch', sleep_ms: 100 },
  description: 'Example: a step of a flow; answers with its parents’ outcomes (and a callback’s batch counts)',
});
