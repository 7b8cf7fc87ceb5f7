import { JobContext } from '@cask/contracts';
import { WebhookDeliver, WebhookDeliverPayload, WebhookDeliverResult } from '@cask/examples';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobHandler } from '@cask/worker';

/** Example handler: simulates a delivery of `duration_ms`. */
@Controller()
export class WebhookHandler {
  @JobHandler(WebhookDeliver)
  async deliver(@Payload() payload: WebhookDeliverPayload, @Ctx() ctx: JobContext): Promise<WebhookDeliverResult> {
    const started = Date.now();
    // The signal aborts the wait when the worker shuts down, so the attempt ends promptly.
    await sleep(payload.duration_ms, undefined, { signal: ctx.signal });
    return { endpoint: payload.endpoint, delivered_ms: Date.now() - started };
  }
}
