import { JobContext, PermanentJobError } from '@cask/contracts';
import { DemoStep, DemoStepPayload, DemoStepResult } from '@cask/examples';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { JobHandler } from '@cask/worker';
import { setTimeout as sleep } from 'node:timers/promises';

/** Example handler: a step of a flow, answering with what it read of its parents. */
@Controller()
export class StepHandler {
  @JobHandler(DemoStep)
  async run(@Payload() payload: DemoStepPayload, @Ctx() ctx: JobContext): Promise<DemoStepResult> {
    if (payload.sleep_ms) await sleep(payload.sleep_ms, undefined, { signal: ctx.signal });
    if (payload.fail) throw new PermanentJobError(`Step ${payload.name} failed, as asked`, { code: 'step_failed' });
    const parents = Object.fromEntries(
      Object.entries(ctx.parents).map(([key, parent]) => [key, { status: parent.status, result: parent.result }]),
    );
    return { name: payload.name, parents, ...(ctx.batch && { batch: ctx.batch }) };
  }
}
