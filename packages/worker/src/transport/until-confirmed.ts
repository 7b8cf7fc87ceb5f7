import { Delivery } from '@cask/core';

/**
 * Repeats a publish until the broker confirms it, with backoff, for as long as the delivery it settles is
 * held. Requeueing at the first failure would spin the message through the queue while the broker is
 * blocked or reconnecting; holding it keeps it safe (the broker requeues it if our channel dies) and
 * lets prefetch stop the inflow. Resolves true once confirmed, false when the delivery was lost or
 * `stop()` says to give up.
 */
export async function untilConfirmed(delivery: Delivery, action: () => Promise<void>, stop: () => boolean, onRetry: (err: Error, delayMs: number) => void): Promise<boolean> {
  let delay = 100;
  for (;;) {
    try {
      await action();
      return true;
    } catch (err) {
      if (!delivery.isChannelOpen || stop()) return false;
      onRetry(err as Error, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
