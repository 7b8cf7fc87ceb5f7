import { QueuedResponse, VideoProcess, VideoProcessPayload, WelcomeEmail, WelcomeEmailPayload } from '@cask/contracts';
import { Body, Controller, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import { AcceptsJob, queued } from '../http/accepted';
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
  constructor(private readonly dispatcher: AsyncDispatcher) {}

  @Post('users/welcome-email')
  @AcceptsJob(WelcomeEmailQueuedResponse)
  @ApiOperation({ summary: 'Example: queue a welcome email', description: 'The body is the `email.welcome` payload.' })
  @ApiErrors(DISPATCH_ERRORS)
  async welcomeEmail(@Body() body: WelcomeEmailPayload): Promise<{ message: string; job_id: string }> {
    const jobId = await this.dispatcher.dispatch(WelcomeEmail, body);
    return { message: 'Welcome email queued', job_id: jobId };
  }

  @Post('videos')
  @AcceptsJob()
  @ApiOperation({ summary: 'Example: queue a video to process', description: 'The body is the `video.process` payload.' })
  @ApiErrors(DISPATCH_ERRORS)
  async processVideo(@Body() body: VideoProcessPayload): Promise<QueuedResponse> {
    return queued(await this.dispatcher.dispatch(VideoProcess, body));
  }
}
