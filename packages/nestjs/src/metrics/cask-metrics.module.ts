import { AmqpConnection, QueueInspector } from '@cask/core';
import { DynamicModule, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { Registry, register as defaultRegistry } from 'prom-client';
import { OutboxRelay } from '../outbox/outbox-relay';
import { DeadLetterStore } from '../store/dead-letter-store';
import { OutboxStore } from '../store/outbox-store';
import { ApiGauges } from './api-gauges';
import { JobMetrics } from './job-metrics';

/** Options of `CaskMetricsModule.forRoot`. */
export interface CaskMetricsOptions {
  /**
   * The prom-client registry the host scrapes.
   * @defaultValue prom-client's default registry (`register`)
   */
  registry?: Registry;
}

const CASK_METRICS_REGISTRY = Symbol('cask:metrics-registry');

/** Puts Cask's counters on the host's registry, and its gauges, which read the broker and the store when scraped. */
@Injectable()
class CaskMetricsRegistrar implements OnModuleInit {
  constructor(
    @Inject(CASK_METRICS_REGISTRY) private readonly registry: Registry,
    private readonly metrics: JobMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics.registerOn(this.registry);
  }
}

/**
 * Cask's metrics (README "Metrics") on the host's prom-client registry: jobs dispatched, succeeded, failed,
 * retried and cancelled by type, event apply lag, forged messages, the broker connection, the outbox
 * backlog and each queue's depth and consumers. It serves no route: the host's `/metrics` shows them.
 */
@Module({})
export class CaskMetricsModule {
  static forRoot(options: CaskMetricsOptions = {}): DynamicModule {
    return {
      module: CaskMetricsModule,
      providers: [
        { provide: CASK_METRICS_REGISTRY, useValue: options.registry ?? defaultRegistry },
        CaskMetricsRegistrar,
        {
          provide: ApiGauges,
          inject: [CASK_METRICS_REGISTRY, AmqpConnection, OutboxStore, OutboxRelay, QueueInspector, DeadLetterStore],
          useFactory: (
            registry: Registry,
            connection: AmqpConnection,
            store: OutboxStore,
            relay: OutboxRelay,
            inspector: QueueInspector,
            letters: DeadLetterStore,
          ) => new ApiGauges(registry, connection, { outbox: store, letters }, relay, inspector),
        },
      ],
    };
  }
}
