import type { JobDefinition } from '@cask/contracts';
import { DemoFault } from './demo-fault.job';
import { DemoFlaky } from './demo-flaky.job';
import { DemoStep } from './demo-step.job';
import { WelcomeEmail } from './email-welcome.job';
import { VideoProcess } from './video-process.job';
import { WebhookDeliver } from './webhook-deliver.job';

/**
 * Every job this deployment knows. Both apps build their catalogue from this list: add your
 * definitions here (and remove the examples when you no longer want them).
 */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [WelcomeEmail, VideoProcess, DemoFlaky, DemoFault, WebhookDeliver, DemoStep];
