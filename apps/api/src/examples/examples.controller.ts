import { QueuedResponse, VideoProcess, VideoProcessPayload, WelcomeEmail, WelcomeEmailPayload } from '@cask/contracts';
import { Body, Controller, Post } from '@nestjs/common';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import { DispatchQuota } from '../limits/dispatch-quota';
import { AcceptsJob, queued } from '../http/accepted';
import { RequestId } from '../http/request-id.decorator';
import { ApiErrors, BODY_ERRORS, ERROR_EXAMPLES } from '../openapi/api-errors.decorator';
import { ApiKeyAuth } from '../openapi/api-key-auth.decorator';
import { WelcomeEmailQueuedResponse } from '../openapi/job.response';

const DISPATCH_ERRORS = { 400: ERROR_EXAMPLES.badBody, ...BODY_ERRORS, 503: ERROR_EXAMPLES.brokerUnavailable };

/**
 * Example endpoints from the seed design, showing how an app dispatches its own jobs. Replace them
 * with yours. The body is the job's payload class, so the global ValidationPipe checks it.
 */
@ApiTags('examples')
@ApiKeyAuth()
@Controller()
export class ExamplesController {
  constructor(
    private readonly dispatcher: AsyncDispatcher,
    private readonly quota: DispatchQuota,
  ) {}

  @Post('users/welcome-email')
  @AcceptsJob(WelcomeEmailQueuedResponse)
  @ApiOperation({ summary: 'Example: queue a welcome email', description: 'The body is the `email.welcome` payload.' })
  @ApiErrors(DISPATCH_ERRORS)
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
  @ApiOperation({ summary: 'Example: queue a video to process', description: 'The body is the `video.process` payload.' })
  @ApiErrors(DISPATCH_ERRORS)
  async processVideo(@Body() body: VideoProcessPayload, @CurrentPrincipal() { tenant }: Principal, @RequestId() requestId?: string): Promise<QueuedResponse> {
    await this.quota.admit(tenant, 1);
    return queued(await this.dispatcher.dispatch(VideoProcess, body, { tenant, requestId }));
  }
}
