import { VideoProcess, VideoProcessPayload, WelcomeEmail, WelcomeEmailPayload } from '@cask/examples';
import {
  AcceptsJob,
  ApiErrors,
  AsyncDispatcher,
  BODY_ERRORS,
  CaskController,
  CurrentPrincipal,
  DispatchQuota,
  ERROR_EXAMPLES,
  Principal,
  RequestId,
  queued,
} from '@cask/nestjs';
import type { QueuedResponse } from '@cask/contracts';
import { Body, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { WelcomeEmailQueuedResponse } from './welcome-email-queued.response';

const DISPATCH_ERRORS = { 400: ERROR_EXAMPLES.badBody, ...BODY_ERRORS, 503: ERROR_EXAMPLES.brokerUnavailable };

/**
 * Example endpoints from the seed design, showing how an app dispatches its own jobs. Replace them with
 * yours. `@CaskController()` gives them what Cask's own routes have: API keys and tenants, validation of
 * the body (the job's payload class) and Cask's error bodies.
 */
@ApiTags('examples')
@CaskController()
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
  async processVideo(
    @Body() body: VideoProcessPayload,
    @CurrentPrincipal() { tenant }: Principal,
    @RequestId() requestId?: string,
  ): Promise<QueuedResponse> {
    await this.quota.admit(tenant, 1);
    return queued(await this.dispatcher.dispatch(VideoProcess, body, { tenant, requestId }));
  }
}
