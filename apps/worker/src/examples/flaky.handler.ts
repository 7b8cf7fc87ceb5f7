import { JobContext, RetryableJobError } from '@cask/contracts';
import { DemoFlaky, DemoFlakyPayload, DemoFlakyResult } from '@cask/examples';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { JobHandler } from '@cask/worker';

/** Example handler: fails retryably while the attempt number is at most `fail_times`. */
@Controller()
export class FlakyHandler {
  @JobHandler(DemoFlaky)
  run(@Payload() payload: DemoFlakyPayload, @Ctx() ctx: JobContext): DemoFlakyResult {
    if (ctx.attempt <= payload.fail_times) {
      throw new RetryableJobError(`Simulated failure on attempt ${ctx.attempt} of ${ctx.maxAttempts}`, { code: 'flaky' });
    }
    return { attempts: ctx.attempt };
  }
}
