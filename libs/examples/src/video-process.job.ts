import { IsInt, IsOptional, IsUrl, Max, Min } from 'class-validator';
import { defineJob } from '@cask/contracts';

/** Example job: replace with your own. Payload of `video.process`. */
export class VideoProcessPayload {
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  duration_ms: number = 1000;
}

export interface VideoProcessResult {
  url: string;
  frames: number;
  processed_ms: number;
}

/** Example job: simulates processing a video for `duration_ms`, reporting progress as it goes. */
export const VideoProcess = defineJob<VideoProcessPayload, VideoProcessResult>('video.process', {
  payload: VideoProcessPayload,
  queue: 'video',
  example: { url: 'https://example.com/videos/intro.mp4', duration_ms: 2000 },
  description: 'Example: simulate processing a video for duration_ms, reporting progress',
});
