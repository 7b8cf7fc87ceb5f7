import { retryWithBackoff } from '@cask/core';
import type { JobDelivery } from './pack-parts';

/**
 * Repeats a publish until the broker confirms it, with backoff, for as long as the delivery it settles is
 * held. Requeueing at the first failure would spin the message through the queue while the broker is
 * blocked or reconnecting; holding it keeps it safe (the broker requeues it if our channel dies) and
 * lets prefetch stop the inflow. Resolves true once confirmed, false when the delivery was lost or
 * `stop()` says to give up.
 */
export async function untilConfirmed(
  delivery: JobDelivery,
  action: () => Promise<void>,
  stop: () => boolean,
  onRetry: (err: Error, delayMs: number) => void,
): Promise<boolean> {
  const confirmed = await retryWithBackoff(
    async () => {
      await action();
      return true;
    },
    { giveUp: () => !delivery.isChannelOpen || stop(), onRetry },
  );
  return confirmed === true;
}
