import type { DrainResult } from '../contender';
import { now } from './clock';
import { drainTimeoutMs } from './deadlines';
import { onParentMessage, tellParent } from './child-side';
import type { ManagedProcess } from './managed-process';

/**
 * Child side: where a contender's results become visible in a child process (a BullMQ worker, a Nest
 * RMQ handler), this counts them and keeps when each job's result was seen, for the parent to ask.
 */
export class CompletionProbe {
  private count = 0;
  private lastAt = 0;
  private readonly seen: number[] = [];
  private waiting: number[] = [];

  constructor() {
    onParentMessage((message) => {
      if (message.type === 'expect') {
        this.waiting.push(message.total as number);
        this.check();
      } else if (message.type === 'dump') {
        const from = message.from as number;
        const pairs: Array<[number, number]> = [];
        for (let i = 0; i < this.seen.length; i += 2) if (this.seen[i] >= from) pairs.push([this.seen[i], this.seen[i + 1]]);
        tellParent({ type: 'dump', from, pairs });
      }
    });
  }

  /** Job `seq`'s result is visible now. */
  record(seq: number, at: number = now()): void {
    this.count++;
    this.lastAt = at;
    this.seen.push(seq, at);
    if (this.waiting.length > 0) this.check();
  }

  private check(): void {
    this.waiting = this.waiting.filter((total) => {
      if (this.count < total) return true;
      tellParent({ type: 'reached', total, at: this.lastAt });
      return false;
    });
  }
}

/** Parent side of {@link CompletionProbe}. */
export class ProbeClient {
  constructor(private readonly child: ManagedProcess) {}

  /** Resolves with the time the child had seen `total` results in all. */
  async reach(total: number, timeoutMs: number): Promise<number> {
    this.child.send({ type: 'expect', total });
    const reply = await this.child.waitForMessage<{ type: string; at: number }>(
      (m) => m.type === 'reached' && m.total === total,
      timeoutMs,
      `${total} results in all`,
    );
    return reply.at;
  }

  /**
   * Times a drain of `jobs`: `enqueue` dispatches them, then the child is waited for until it has seen `total`
   * results in all (the drain's own included).
   */
  async timeDrain(jobs: number, total: number, enqueue: () => Promise<unknown>): Promise<DrainResult> {
    const start = now();
    await enqueue();
    const enqueued = now();
    const finished = await this.reach(total, drainTimeoutMs(jobs));
    return { jobs, enqueueMs: enqueued - start, totalMs: finished - start };
  }

  /** When each job numbered `from` or above was seen, as [seq, at] pairs. */
  async dump(from: number): Promise<Array<[number, number]>> {
    this.child.send({ type: 'dump', from });
    const reply = await this.child.waitForMessage<{ type: string; pairs: Array<[number, number]> }>(
      (m) => m.type === 'dump' && m.from === from,
      30_000,
      'the results seen',
    );
    return reply.pairs;
  }
}
