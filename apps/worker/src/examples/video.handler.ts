import { JobContext } from '@cask/contracts';
import { VideoProcess, VideoProcessPayload, VideoProcessResult } from '@cask/examples';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobHandler } from '@cask/worker';

const STEPS = 10;
const FRAMES_PER_SECOND = 30;

/** Example handler: simulates `duration_ms` of work in ten steps, reporting progress after each. */
@Controller()
export class VideoHandler {
  @JobHandler(VideoProcess)
  async process(@Payload() payload: VideoProcessPayload, @Ctx() ctx: JobContext): Promise<VideoProcessResult> {
    const started = Date.now();
    for (let step = 1; step <= STEPS; step += 1) {
      // The signal aborts the wait when the worker shuts down, so the attempt ends promptly.
      await sleep(payload.duration_ms / STEPS, undefined, { signal: ctx.signal });
      await ctx.progress(Math.round((step / STEPS) * 100));
    }
    return {
      url: payload.url,
      frames: Math.round((payload.duration_ms / 1000) * FRAMES_PER_SECOND),
      processed_ms: Date.now() - started,
    };
  }
}
