import type { Type } from '@nestjs/common';
import { EmailHandler } from './examples/email.handler';
import { FaultHandler } from './examples/fault.handler';
import { FlakyHandler } from './examples/flaky.handler';
import { StepHandler } from './examples/step.handler';
import { VideoHandler } from './examples/video.handler';
import { WebhookHandler } from './examples/webhook.handler';

/** The reference worker's handlers, one per job of the catalogue: add yours here. */
export const JOB_HANDLERS: readonly Type[] = [EmailHandler, VideoHandler, FlakyHandler, FaultHandler, WebhookHandler, StepHandler];
