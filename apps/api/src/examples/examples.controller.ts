import { QueuedResponse, VideoProcess, VideoProcessPayload, WelcomeEmail, WelcomeEmailPayload } from '@cask/contracts';
import { Body, Controller, Post } from '@nestjs/common';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import { AcceptsJob, queued } from '../http/accepted';
import { RequestId } from '../http/request-id.decorator';

/**
 * Example endpoints from the seed design, showing how an app dispatches its own jobs. Replace them
 * with yours. The body is the job's payload class, so the global ValidationPipe checks it.
 */
@Controller()
export class ExamplesController {
  constructor(private readonly dispatcher: AsyncDispatcher) {}

  @Post('users/welcome-email')
  @AcceptsJob()
  async welcomeEmail(@Body() body: WelcomeEmailPayload, @RequestId() requestId?: string): Promise<{ message: string; job_id: string }> {
    const jobId = await this.dispatcher.dispatch(WelcomeEmail, body, { requestId });
    return { message: 'Welcome email queued', job_id: jobId };
  }

  @Post('videos')
  @AcceptsJob()
  async processVideo(@Body() body: VideoProcessPayload, @RequestId() requestId?: string): Promise<QueuedResponse> {
    return queued(await this.dispatcher.dispatch(VideoProcess, body, { requestId }));
  }
}
