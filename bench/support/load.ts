import { now } from './clock';

/**
 * Calls `send` for `count` items with at most `width` unfinished at once; resolves when every call has.
 * Used to dispatch a backlog as fast as the contender takes it.
 */
export async function windowed(count: number, width: number, send: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await send(next++);
    }),
  );
}

/**
 * Open-loop load: calls `send(index, intendedAt)` at a fixed rate for `durationMs`, without waiting for
 * earlier sends. When the event loop falls behind, the late sends go out at once with their intended
 * times, so a stall shows up in the latencies instead of lowering the offered rate (no coordinated
 * omission). Resolves with the number of sends.
 */
export function pace(ratePerSecond: number, durationMs: number, send: (index: number, intendedAt: number) => void): Promise<number> {
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const interval = 1000 / ratePerSecond;
  const start = now();
  let sent = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((now() - start) / interval) + 1);
      while (sent < due) {
        send(sent, start + sent * interval);
        sent++;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve(sent);
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  });
}

/**
 * Resolves when a counter reaches a target. Waits as long as the count keeps moving: a slow contender
 * that is still working is waited for, one that stopped for `idleMs` fails the run.
 */
export class Countdown {
  private count = 0;
  private lastAt = 0;
  private waiters: Array<{ target: number; resolve: (at: number) => void }> = [];

  get value(): number {
    return this.count;
  }

  /** Counts one more (or `n` more), at time `at`. */
  add(at: number = now(), n = 1): void {
    this.count += n;
    this.lastAt = at;
    this.waiters = this.waiters.filter((waiter) => {
      if (this.count < waiter.target) return true;
      waiter.resolve(this.lastAt);
      return false;
    });
  }

  /** Resolves with the time the count reached `target`; rejects once it stood still for `idleMs`. */
  reach(target: number, idleMs: number, what: string): Promise<number> {
    if (this.count >= target) return Promise.resolve(this.lastAt);
    return new Promise((resolve, reject) => {
      let seen = this.count;
      let since = Date.now();
      const timer = setInterval(() => {
        if (this.count !== seen) {
          seen = this.count;
          since = Date.now();
        } else if (Date.now() - since > idleMs) {
          clearInterval(timer);
          this.waiters = this.waiters.filter((w) => w.resolve !== done);
          reject(new Error(`No progress for ${idleMs} ms waiting for ${what}: ${this.count} of ${target}`));
        }
      }, 250);
      const done = (at: number) => {
        clearInterval(timer);
        resolve(at);
      };
      this.waiters.push({ target, resolve: done });
    });
  }
}

/**
 * Latencies from intended dispatch to visible result, keyed by whatever identifies a job (an id the
 * contender only learns after dispatch is fine: the two ends are paired when asked).
 */
export class LatencyRecorder<K = string | number> {
  private readonly starts = new Map<K, number>();
  private readonly ends = new Map<K, number>();

  start(key: K, at: number): void {
    this.starts.set(key, at);
  }

  finish(key: K, at: number): void {
    if (!this.ends.has(key)) this.ends.set(key, at);
  }

  get started(): number {
    return this.starts.size;
  }

  /** Latencies (ms) of the started jobs that finished. */
  latencies(): number[] {
    const out: number[] = [];
    for (const [key, at] of this.starts) {
      const end = this.ends.get(key);
      if (end !== undefined) out.push(end - at);
    }
    return out;
  }
}
