import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { CaskDatabase } from './cask-database';

/**
 * Closes Cask's database last at shutdown: the relay, the event consumer and the sweepers stop in their
 * before-shutdown hooks, so nothing uses it by now. A host's own pool or Kysely instance is left open.
 */
@Injectable()
export class CaskStoreLifecycle implements OnApplicationShutdown {
  constructor(private readonly database: CaskDatabase) {}

  onApplicationShutdown(): Promise<void> {
    return this.database.close();
  }
}
