import { IsInt, IsObject, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { defineJob } from '@cask/contracts';

/** Example job: replace with your own. Payload of `webhook.deliver`. */
export class WebhookDeliverPayload {
  /** The receiving endpoint: its deliveries form one group. */
  @IsString()
  @Length(1, 200)
  endpoint: string;

  @IsOptional()
  @IsObject()
  event: Record<string, unknown> = {};

  /** How long the simulated delivery takes. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  duration_ms: number = 200;
}

export interface WebhookDeliverResult {
  endpoint: string;
  delivered_ms: number;
}

/**
 * Example job: simulates delivering an event to a customer's endpoint. Deliveries are grouped by endpoint: at
 * most two run at once per endpoint, across all workers, and the endpoints of the queue take turns, so one
 * customer's backlog does not hold up the others'.
 */
export const WebhookDeliver = defineJob<WebhookDeliverPayload, WebhookDeliverResult>('webhook.deliver', {
  payload: WebhookDeliverPayload,
  queue: 'webhooks',
  group: { by: 'endpoint', concurrency: 2 },
  example: { endpoint: 'customer-42', event: { type: 'invoice.paid' }, duration_ms: 200 },
  description: 'Example: deliver an event to an endpoint, at most 2 at once per endpoint, endpoints taking turns',
});
