import { QueuedResponse, VideoProcess, VideoProcessPayload, WelcomeEmail, WelcomeEmailPayload } from '@cask/contracts';
import { Body, Controller, Post } from '@nestjs/common';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import { DispatchQuota } from '../limits/dispatch-quota';
import { AcceptsJob, queued } from '../http/accepted';
import { RequestId } from '../http/request-id.decorator';

/**
 * Example endpoints from the seed design, showing how an app dispatches its own jobs. Replace them
 * with yours. The body is the job's payload class, so the global ValidationPipe checks it.
 */
@Controller()
export class ExamplesController {
  constructor(
    private readonly dispatcher: AsyncDispatcher,
    private readonly quota: DispatchQuota,
  ) {}

  @Post('users/welcome-email')
  @AcceptsJob()
  async welcomeEmail(
    @Body() body: WelcomeEmailPayload,
    @CurrentPrincipal() { tenant }: Principal,
    @RequestId() requestId?: string,
  ): Promise<{ message: string; job_id: string }> {
    await this.quota.admit(tenant, 1);
    const jobId = await this.dispatcher.dispatch(WelcomeEmail, body, { tenant, requestId });
    return { message: 'Welcome email queued', job_id: jobId };
  }

  @Post('videos')
  @AcceptsJob()
  async processVideo(@Body() body: VideoProcessPayload, @CurrentPrincipal() { tenant }: Principal, @RequestId() requestId?: string): Promise<QueuedResponse> {
    await this.quota.admit(tenant, 1);
    return queued(await this.dispatcher.dispatch(VideoProcess, body, { tenant, requestId }));
  }
}
