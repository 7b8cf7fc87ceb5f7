import { jobLog, JobContext, PermanentJobError } from '@cask/contracts';
import { WelcomeEmail, WelcomeEmailPayload, WelcomeEmailResult } from '@cask/examples';
import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { JobHandler } from '@cask/worker';

/** Example handler: replace with one that calls your mail provider. */
@Controller()
export class EmailHandler {
  private readonly logger = new Logger(EmailHandler.name);

  @JobHandler(WelcomeEmail)
  async sendWelcome(@Payload() payload: WelcomeEmailPayload, @Ctx() ctx: JobContext): Promise<WelcomeEmailResult> {
    if (payload.email.toLowerCase().endsWith('@bounce.test')) {
      throw new PermanentJobError(`Mailbox ${payload.email} does not accept mail`, { code: 'mailbox_rejected' });
    }
    // The job's fields (and the request that dispatched it) on the line; never the payload.
    this.logger.debug({ ...jobLog(ctx.jobId, ctx.type, ctx), msg: `Job ${ctx.type} ${ctx.jobId}: welcome email sent` });
    return { delivered_to: payload.email, message_id: `<${randomUUID()}@cask.example>` };
  }
}
