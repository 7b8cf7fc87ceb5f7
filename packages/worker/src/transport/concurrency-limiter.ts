/** Gives back a slot taken with {@link ConcurrencyLimiter.acquire}; calling it again does nothing. */
export type ReleaseSlot = () => void;

/** Runs at most `limit` tasks at once; the rest wait in arrival order. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Lets every waiting task start now, past the limit (shutdown: they only hand their job back). */
  releaseWaiting(): void {
    for (const start of this.waiting.splice(0)) {
      this.active += 1;
      start();
    }
  }

  /** Resolves with a slot once one is free; the caller must release it. */
  acquire(): Promise<ReleaseSlot> {
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => this.waiting.push(() => resolve(this.releaser())));
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }

  private releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the earliest waiter, so a task arriving meanwhile cannot take it.
      if (next) next();
      else this.active -= 1;
    };
  }
}
