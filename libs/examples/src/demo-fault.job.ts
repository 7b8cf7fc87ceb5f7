import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { defineJob } from '@cask/contracts';

/** Example job for fault-injection: replace or remove it. Payload of `demo.fault`. */
export class DemoFaultPayload {
  /**
   * `sleep`: wait `ms`, stopping when the AbortSignal fires; `ignore_abort`: wait `ms` whatever the
   * signal says; `crash`: kill the worker process (only where the worker enables it).
   */
  @IsIn(['sleep', 'ignore_abort', 'crash'])
  mode: 'sleep' | 'ignore_abort' | 'crash';

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600_000)
  ms: number = 0;
}

export interface DemoFaultResult {
  slept_ms: number;
}

/** Example job: misbehaves on purpose (hangs, ignores its AbortSignal, kills its worker) to show recovery. */
export const DemoFault = defineJob<DemoFaultPayload, DemoFaultResult>('demo.fault', {
  payload: DemoFaultPayload,
  example: { mode: 'sleep', ms: 5000 },
  description: 'Example: sleep, ignore the abort signal, or crash the worker (crash only where enabled)',
});
