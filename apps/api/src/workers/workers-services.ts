import { AmqpConnection, ConfirmPublisher } from '@cask/amqp';
import { CaskTopology, JobCatalogue } from '@cask/contracts';
import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { ApiConfig } from '../config/api-config';
import type { Database } from '../store/schema';
import { CASK_TOPOLOGY, DATABASE } from '../tokens';
import { LeaseStore } from './lease-store';
import { rateLimitsOf } from './rate-limits';
import { WorkerRegistry } from './worker-registry';

/**
 * What the worker pool's api side needs from the global ApiModule (config, topology, broker connection
 * and publisher, database) and the stores built on them.
 */
@Injectable()
export class WorkersServices {
  readonly registry: WorkerRegistry;
  readonly leases: LeaseStore;
  /** Starts per second of each rate-limited job type. */
  readonly rateLimits: ReadonlyMap<string, number>;

  constructor(
    readonly config: ApiConfig,
    @Inject(CASK_TOPOLOGY) readonly topology: CaskTopology,
    readonly connection: AmqpConnection,
    /** For dead letters. */
    readonly publisher: ConfirmPublisher,
    catalogue: JobCatalogue,
    @Inject(DATABASE) database: Kysely<Database>,
  ) {
    this.registry = new WorkerRegistry(database);
    this.leases = new LeaseStore(database);
    // At boot, so a JOB_RATE_LIMITS naming an unknown job type stops the api with a clear error.
    this.rateLimits = rateLimitsOf(catalogue, config.rateLimits);
  }
}
