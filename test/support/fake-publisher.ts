import type { ConfirmPublisher, PublishOptions } from '@cask/core';
import type { Decoded } from '@cask/contracts';
import { deferred } from './deferred';

/** One message a {@link fakeConfirmPublisher} was given, decoded, with the confirm the test gives or refuses. */
export interface SentMessage<T> {
  exchange: string;
  routingKey: string;
  body: T;
  options: PublishOptions;
  confirm: ReturnType<typeof deferred<void>>;
}

/** A ConfirmPublisher whose every publish waits for the test to confirm or refuse it; a body `decode` refuses fails the test. */
export function fakeConfirmPublisher<T>(decode: (content: Buffer) => Decoded<T>): { publisher: ConfirmPublisher; sent: SentMessage<T>[] } {
  const sent: SentMessage<T>[] = [];
  const publisher = {
    publish: (exchange: string, routingKey: string, content: Buffer, options: PublishOptions) => {
      const decoded = decode(content);
      if (!decoded.ok) throw new Error(`sent a malformed message: ${decoded.reason}`);
      const confirm = deferred();
      sent.push({ exchange, routingKey, body: decoded.value, options, confirm });
      return confirm.promise;
    },
  } as unknown as ConfirmPublisher;
  return { publisher, sent };
}
