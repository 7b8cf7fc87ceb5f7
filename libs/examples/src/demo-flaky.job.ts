import { IsInt, Max, Min } from 'class-validator';
import { defineJob } from '@cask/contracts';

/** Example job: replace with your own. Payload of `demo.flaky`. */
export class DemoFlakyPayload {
  @IsInt()
  @Min(0)
  @Max(10)
  fail_times: number;
}

export interface DemoFlakyResult {
  attempts: number;
}

/** Example job: fails with a retryable error while the attempt number is ≤ `fail_times`, then succeeds. */
export const DemoFlaky = defineJob<DemoFlakyPayload, DemoFlakyResult>('demo.flaky', {
  payload: DemoFlakyPayload,
  example: { fail_times: 2 },
  description: 'Example: fail (retryably) while attempt <= fail_times, then succeed',
});
