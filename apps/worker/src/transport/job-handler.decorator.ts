import type { JobDefinition } from '@cask/contracts';
import { MessagePattern } from '@nestjs/microservices';

/**
 * Marks a controller method as the handler of a job. Use `@Payload()` for the validated payload and
 * `@Ctx()` for the {@link JobContext}:
 *
 * ```ts
 * @JobHandler(WelcomeEmail)
 * async send(@Payload() payload: WelcomeEmailPayload, @Ctx() ctx: JobContext): Promise<WelcomeEmailResult> { ... }
 * ```
 */
export function JobHandler(job: JobDefinition): MethodDecorator {
  return MessagePattern(job.name);
}
