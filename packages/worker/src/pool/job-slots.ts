import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrencyLimiter, ReleaseSlot } from '../transport/concurrency-limiter';
import { RateTokens } from './rate-tokens';

/** Waits before the `attempt`-th retry to find a start token; resolves early when `signal` fires. */
export type TokenBackoff = (attempt: number, signal: AbortSignal) => Promise<void>;

/** 10 ms doubling to 250 ms, ±20 %: tokens arrive once a second, and workers should not poll in step. */
export const tokenBackoff: TokenBackoff = (attempt, signal) =>
  sleep(Math.min(250, 10 * 2 ** attempt) * (0.8 + Math.random() * 0.4), undefined, { signal }).catch(() => undefined);

const NO_SLOT: ReleaseSlot = () => undefined;

/** How long a job may look for a start token before the worker says it has seen none. */
const TOKEN_DROUGHT_MS = 15_000;

/**
 * Decides when a job may start in this worker: within the worker's concurrency, within its type's cap,
 * and, for a rate-limited type, with a start token.
 *
 * A job takes its slots in one order: its type's slot, then (rate-limited types) its type's turn to look
 * for a token, then a worker slot. With one order there is no cycle, so no deadlock. A job waiting on its
 * type's cap or for a token holds no worker slot, so it never keeps other types from running; the worker
 * slot is held only to run, or for the one `basic.get` that looks for a token (then released if there is
 * none, while the job backs off). Every queue is first come, first served, so no job starves behind later
 * ones of its kind. A token is taken while holding the worker slot, right before the job starts, so
 * starts follow tokens closely and the rate holds per second.
 */
export class JobSlots {
  private readonly logger = new Logger(JobSlots.name);
  private readonly worker: ConcurrencyLimiter;
  private readonly caps = new Map<string, ConcurrencyLimiter>();
  /** One job per rate-limited type looks for tokens at a time; the others queue behind it. */
  private readonly turns = new Map<string, ConcurrencyLimiter>();
  private readonly drain = new AbortController();

  constructor(
    concurrency: number,
    typeCaps: ReadonlyMap<string, number>,
    rateLimited: Iterable<string>,
    private readonly tokens: RateTokens,
    private readonly backoff: TokenBackoff = tokenBackoff,
  ) {
    this.worker = new ConcurrencyLimiter(concurrency);
    for (const [type, cap] of typeCaps) this.caps.set(type, new ConcurrencyLimiter(cap));
    for (const type of rateLimited) this.turns.set(type, new ConcurrencyLimiter(1));
  }

  /** Jobs holding a worker slot. */
  get running(): number {
    return this.worker.running;
  }

  /** Runs `task` once a job of `type` may start; settles with the task. */
  async run<T>(type: string, task: () => Promise<T>): Promise<T> {
    const held: ReleaseSlot[] = [];
    try {
      const cap = this.caps.get(type);
      if (cap) held.push(await this.take(cap));
      const turn = this.turns.get(type);
      held.push(turn ? await this.startWithToken(type, turn) : await this.take(this.worker));
      return await task();
    } finally {
      for (const release of held.reverse()) release();
    }
  }

  /**
   * Shutdown: lets every waiting job through at once, without tokens and past every limit, and lets any
   * job that arrives later through too. Such jobs only hand their message back.
   */
  releaseWaiting(): void {
    this.drain.abort();
    this.worker.releaseWaiting();
    for (const limiter of [...this.caps.values(), ...this.turns.values()]) limiter.releaseWaiting();
  }

  private get draining(): boolean {
    return this.drain.signal.aborted;
  }

  private take(limiter: ConcurrencyLimiter): Promise<ReleaseSlot> {
    return this.draining ? Promise.resolve(NO_SLOT) : limiter.acquire();
  }

  /** Resolves holding a worker slot and having taken a token of `type` (or because the worker drains). */
  private async startWithToken(type: string, turn: ConcurrencyLimiter): Promise<ReleaseSlot> {
    const endTurn = await this.take(turn);
    const since = Date.now();
    let warned = false;
    try {
      for (let attempt = 0; ; attempt += 1) {
        const slot = await this.take(this.worker);
        if (this.draining) return slot;
        const taken = await this.tokens.take(type).catch(() => false);
        if (taken) {
          if (warned) this.logger.log(`Start tokens for ${type} are coming again`);
          return slot;
        }
        slot();
        if (!warned && Date.now() - since >= TOKEN_DROUGHT_MS) {
          // Tokens come from the api: a worker whose JOB_RATE_LIMITS names a type the api's does not waits forever.
          this.logger.warn(
            `No start token for ${type} in ${TOKEN_DROUGHT_MS / 1000} s; is JOB_RATE_LIMITS the same on the api and is it running?`,
          );
          warned = true;
        }
        await this.backoff(attempt, this.drain.signal);
      }
    } finally {
      endTurn();
    }
  }
}
