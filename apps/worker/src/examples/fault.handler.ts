import { jobLog, JobContext, PermanentJobError } from '@cask/contracts';
import { DemoFault, DemoFaultPayload, DemoFaultResult } from '@cask/examples';
import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerConfig } from '../config/worker-config';
import { JobHandler } from '@cask/worker';

/** Example handler that misbehaves on purpose, for the fault-injection tests. */
@Controller()
export class FaultHandler {
  private readonly logger = new Logger(FaultHandler.name);

  constructor(@Inject(WorkerConfig) private readonly config: WorkerConfig) {}

  @JobHandler(DemoFault)
  async run(@Payload() payload: DemoFaultPayload, @Ctx() ctx: JobContext): Promise<DemoFaultResult> {
    const started = Date.now();
    switch (payload.mode) {
      case 'crash':
        if (!this.config.enableCrashDemo)
          throw new PermanentJobError('The crash demo is disabled (WORKER_ENABLE_CRASH_DEMO=false)', { code: 'disabled' });
        this.logger.warn({ ...jobLog(ctx.jobId, ctx.type, ctx), msg: `Job ${ctx.type} ${ctx.jobId}: killing this worker on purpose` });
        process.kill(process.pid, 'SIGKILL');
        break;
      case 'ignore_abort':
        await sleep(payload.ms);
        break;
      case 'sleep':
        await sleep(payload.ms, undefined, { signal: ctx.signal });
        break;
    }
    return { slept_ms: Date.now() - started };
  }
}
