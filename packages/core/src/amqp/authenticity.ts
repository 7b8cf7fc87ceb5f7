import { MessageSigner, SIGNATURE_HEADER } from '@cask/contracts';
import type { Message } from 'amqplib';

/** Whether a consumed (or `basic.get`) message carries a valid signature; every message is, when no keys are configured. */
export function isAuthentic(signer: MessageSigner | undefined, message: Message): boolean {
  return !signer || signer.verify(message.content, message.properties.headers?.[SIGNATURE_HEADER]);
}
