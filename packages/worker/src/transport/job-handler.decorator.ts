import type { JobDefinition } from '@cask/contracts';
import { UseFilters, applyDecorators } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { RethrowJobErrorsFilter } from './rethrow-job-errors.filter';

/**
 * Marks a controller method as the handler of a job; the worker finds it in whichever module declares the
 * controller. Use `@Payload()` for the validated payload and `@Ctx()` for the {@link JobContext}:
 *
 * ```ts
 * @Controller()
 * export class EmailHandler {
 *   @JobHandler(WelcomeEmail)
 *   async send(@Payload() payload: WelcomeEmailPayload, @Ctx() ctx: JobContext): Promise<WelcomeEmailResult> { ... }
 * }
 * ```
 *
 * What the method throws is the job's error, unchanged: `PermanentJobError` fails the job, anything else is
 * retried per the job's policy.
 */
export function JobHandler(job: JobDefinition): MethodDecorator {
  // The filter hands errors back as thrown: Nest's RPC filter would make every one "Internal server error".
  return applyDecorators(MessagePattern(job.name), UseFilters(RethrowJobErrorsFilter));
}
