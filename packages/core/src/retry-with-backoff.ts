import { setTimeout as sleep } from 'node:timers/promises';

/** How {@link retryWithBackoff} retries. */
export interface BackoffRetry {
  /** Called with each failure; true ends the retries (the result is then `undefined`). */
  giveUp(err: Error): boolean | Promise<boolean>;
  /** Called before each wait, e.g. to log why and for how long. */
  onRetry?(err: Error, delayMs: number): void;
  /** @defaultValue 100 ms */
  firstDelayMs?: number;
  /** @defaultValue 5 000 ms */
  maxDelayMs?: number;
}

/**
 * Runs `attempt` until it resolves, waiting 100 ms, 200 ms, ... up to 5 s between failures, unless `giveUp`
 * says to stop. The one retry loop of Cask's broker and store work (channels, confirms, event writes), so
 * each retries the same way and none spins.
 */
export async function retryWithBackoff<T>(attempt: () => Promise<T>, retry: BackoffRetry): Promise<T | undefined> {
  let delay = retry.firstDelayMs ?? 100;
  for (;;) {
    try {
      return await attempt();
    } catch (caught) {
      const err = caught instanceof Error ? caught : new Error(String(caught));
      if (await retry.giveUp(err)) return undefined;
      retry.onRetry?.(err, delay);
      await sleep(delay);
      delay = Math.min(delay * 2, retry.maxDelayMs ?? 5_000);
    }
  }
}
