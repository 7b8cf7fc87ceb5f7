import { CaskTopology, DeadLetterHeader } from '@cask/contracts';
import type { ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { ConfirmPublisher } from './confirm-publisher';

/** Why a message is being dead-lettered. */
export interface DeadLetterReason {
  /** Machine-readable, e.g. `malformed`, `unknown_type`. */
  code: string;
  detail: string;
}

/**
 * Publishes a copy of a message that cannot be handled to the dead-letter exchange, with the reason in
 * its headers, and resolves once the broker confirms it. The caller acks the original afterwards.
 */
export function publishDeadLetter(
  publisher: ConfirmPublisher,
  topology: CaskTopology,
  message: ConsumeMessage,
  sourceQueue: string,
  reason: DeadLetterReason,
): Promise<void> {
  return publisher.publish(topology.deadLetterExchange, '', message.content, {
    messageId: randomUUID(),
    type: message.properties.type as string | undefined,
    // A copy of what may be a forged message: signing it would vouch for it.
    sign: false,
    headers: {
      ...(message.properties.headers ?? {}),
      [DeadLetterHeader.Reason]: reason.code,
      [DeadLetterHeader.Detail]: reason.detail.slice(0, 500),
      [DeadLetterHeader.SourceQueue]: sourceQueue,
      [DeadLetterHeader.At]: Date.now(),
      'x-cask-original-message-id': message.properties.messageId ?? null,
    },
  });
}
