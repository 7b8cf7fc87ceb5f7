import type { Steerable } from './held-jobs';

/** The part of a consumer a {@link ConsumerGate} drives. */
export type GatedConsumer = Steerable;

/**
 * A consumer that takes messages only while neither of two reasons holds it: the worker's bound on held jobs
 * ({@link HeldJobs}, through {@link pause} and {@link resume}) and its queue being paused through the api.
 */
export class ConsumerGate implements Steerable {
  private bounded = false;
  private queuePaused = false;
  private prefetch: number;

  constructor(private readonly consumer: GatedConsumer) {
    this.prefetch = consumer.currentPrefetch;
  }

  get currentPrefetch(): number {
    return this.prefetch;
  }

  async pause(): Promise<void> {
    this.bounded = true;
    await this.consumer.pause();
  }

  async resume(prefetch: number): Promise<void> {
    this.bounded = false;
    this.prefetch = prefetch;
    if (!this.queuePaused) await this.consumer.resume(prefetch);
  }

  async setQueuePaused(paused: boolean): Promise<void> {
    this.queuePaused = paused;
    if (paused) await this.consumer.pause();
    else if (!this.bounded) await this.consumer.resume(this.prefetch);
  }
}
