import { AmqpConnection, ManagedChannel, declareRateTokenQueue, rateTokenQueue } from '@cask/core';
import { CaskTopology, JobCatalogue } from '@cask/contracts';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Channel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CaskSigning } from '../cask-signing';
import { withinGrace } from '../shutdown/within-grace';
import { topUpTokens } from './token-top-up';
import { CASK_TOPOLOGY } from '../tokens';
import { LeaseStore } from './lease-store';
import { rateLimitsOf } from './rate-limits';
import { WorkersOptions } from './workers.options';

/** The lease that makes one api instance the token issuer. */
const LEASE = 'rate-tokens';
/** Renewed every second: the issuer can die or hang for up to 3 s before another instance takes over. */
const LEASE_TTL_MS = 3_000;

/**
 * Issues start tokens for rate-limited job types: every whole second, the api instance holding the
 * `rate-tokens` lease tops each type's token queue up to the type's rate. Workers take one token per job
 * start, so starts per second stay within the rate however many workers run. Only the lease holder
 * issues, so two api instances never double the rate.
 */
@Injectable()
export class RateTokenTicker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RateTokenTicker.name);
  private readonly holder = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private channel?: ManagedChannel<Channel>;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private holding = false;
  private failing = false;
  private stopped = false;

  /** Starts per second of each rate-limited job type, known once the catalogue is complete. */
  private rateLimits: ReadonlyMap<string, number> = new Map();

  constructor(
    private readonly connection: AmqpConnection,
    @Inject(CASK_TOPOLOGY) private readonly topology: CaskTopology,
    private readonly leases: LeaseStore,
    private readonly catalogue: JobCatalogue,
    private readonly options: WorkersOptions,
    private readonly signing: CaskSigning,
  ) {}

  onApplicationBootstrap(): void {
    // Here, at start, so that a rate limit naming an unknown job type stops the app with a clear error.
    this.rateLimits = rateLimitsOf(this.catalogue, this.options.rateLimits);
    const { connection, topology, rateLimits } = this;
    if (rateLimits.size === 0) return;
    this.channel = new ManagedChannel(
      connection,
      'rate-tokens',
      (c) => c.createChannel(),
      async (channel) => {
        for (const type of rateLimits.keys()) await declareRateTokenQueue(channel, topology, type);
      },
    );
    void this.channel.start();
    this.logger.log(`Rate limits: ${[...rateLimits].map(([type, rate]) => `${type} ${rate}/s`).join(', ')}`);
    this.schedule();
  }

  /** Stops issuing and gives the lease up, so another instance issues from its next second. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await withinGrace(this.ticking, this.options.shutdownGraceMs);
    if (this.holding) {
      await this.leases
        .release(LEASE, this.holder)
        .catch((err: Error) => this.logger.warn(`Could not release the rate-token lease: ${err.message}`));
    }
    await this.channel?.stop();
  }

  /** One second's issue: renews (or takes) the lease, then tops every token queue up. */
  async tick(now = Date.now()): Promise<void> {
    const held = await this.leases.acquire(LEASE, this.holder, LEASE_TTL_MS, now).catch((err: Error) => {
      if (!this.failing) this.logger.warn(`Cannot reach the rate-token lease (${err.message}); issuing no tokens until it is back`);
      this.failing = true;
      return false;
    });
    if (held) this.failing = false;
    if (held !== this.holding)
      this.logger.log(held ? `This instance (${this.holder}) issues rate-limit tokens` : 'Another instance issues rate-limit tokens now');
    this.holding = held;
    const channel = this.channel?.current;
    if (!held || !channel) return;
    for (const [type, rate] of this.rateLimits) {
      await topUpTokens(channel, rateTokenQueue(this.topology, type), type, rate, this.signing.signer);
    }
  }

  /** On every whole second of the clock, so one top-up falls in each second. */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.ticking ??= this.tick()
          .catch((err: Error) => this.logger.warn(`Issuing rate-limit tokens failed: ${err.message}`))
          .finally(() => (this.ticking = undefined));
        this.schedule();
      },
      1000 - (Date.now() % 1000),
    );
  }
}
