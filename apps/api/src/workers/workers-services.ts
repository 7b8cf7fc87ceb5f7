import { AmqpConnection, ConfirmPublisher } from '@cask/amqp';
import { CaskTopology, JobCatalogue } from '@cask/contracts';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Kysely } from 'kysely';
import { ApiConfig } from '../config/api-config';
import type { Database } from '../store/schema';
import { CASK_TOPOLOGY, DATABASE } from '../tokens';
import { LeaseStore } from './lease-store';
import { rateLimitsOf } from './rate-limits';
import { WorkerRegistry } from './worker-registry';

/**
 * What the worker pool's api side needs from ApiModule (config, topology, catalogue, broker connection
 * and publisher, database) and the stores built on them. ApiModule imports WorkersModule, and Nest lets
 * a module inject only its own and its imports' providers, never its importer's (importing ApiModule
 * back would be a cycle), so they are looked up once every provider exists: before any
 * `onApplicationBootstrap` and any request.
 */
@Injectable()
export class WorkersServices implements OnModuleInit {
  config: ApiConfig;
  topology: CaskTopology;
  connection: AmqpConnection;
  /** For dead letters. */
  publisher: ConfirmPublisher;
  registry: WorkerRegistry;
  leases: LeaseStore;
  /** Starts per second of each rate-limited job type. */
  rateLimits: ReadonlyMap<string, number>;

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    this.config = this.moduleRef.get(ApiConfig, { strict: false });
    this.topology = this.moduleRef.get<symbol, CaskTopology>(CASK_TOPOLOGY, { strict: false });
    this.connection = this.moduleRef.get(AmqpConnection, { strict: false });
    this.publisher = this.moduleRef.get(ConfirmPublisher, { strict: false });
    const database = this.moduleRef.get<symbol, Kysely<Database>>(DATABASE, { strict: false });
    this.registry = new WorkerRegistry(database);
    this.leases = new LeaseStore(database);
    // At boot, so a JOB_RATE_LIMITS naming an unknown job type stops the api with a clear error.
    this.rateLimits = rateLimitsOf(this.moduleRef.get(JobCatalogue, { strict: false }), this.config.rateLimits);
  }
}
