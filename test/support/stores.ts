import type { CaskStoreOptions } from '../../packages/nestjs/src/cask-options';
import { CaskDatabase, openCaskDatabase } from '../../packages/nestjs/src/store/cask-database';
import type { FlowStore } from '../../packages/nestjs/src/store/flow-store';
import type { GroupStore } from '../../packages/nestjs/src/store/group-store';
import type { IdempotencyStore } from '../../packages/nestjs/src/store/idempotency-store';
import type { JobStore } from '../../packages/nestjs/src/store/job-store';
import { KyselyFlowStore } from '../../packages/nestjs/src/store/kysely-flow-store';
import { KyselyGroupStore } from '../../packages/nestjs/src/store/kysely-group-store';
import { KyselyIdempotencyStore } from '../../packages/nestjs/src/store/kysely-idempotency-store';
import { KyselyJobStore } from '../../packages/nestjs/src/store/kysely-job-store';
import { KyselyOutboxStore } from '../../packages/nestjs/src/store/kysely-outbox-store';
import { KyselyRetentionStore } from '../../packages/nestjs/src/store/kysely-retention-store';
import { KyselyStatsStore } from '../../packages/nestjs/src/store/kysely-stats-store';
import { KyselyQueueStateStore } from '../../packages/nestjs/src/store/kysely-queue-state-store';
import type { QueueStateStore } from '../../packages/nestjs/src/store/queue-state-store';
import type { OutboxStore } from '../../packages/nestjs/src/store/outbox-store';
import type { RetentionStore } from '../../packages/nestjs/src/store/retention-store';
import type { StatsStore } from '../../packages/nestjs/src/store/stats-store';

/** Every store over one database, as one object: what the store specs call, with the database's migrate, ping and close. */
export type TestStores = JobStore &
  OutboxStore &
  IdempotencyStore &
  RetentionStore &
  StatsStore &
  QueueStateStore &
  GroupStore &
  FlowStore &
  Pick<CaskDatabase, 'migrate' | 'ping' | 'close'> & { readonly database: CaskDatabase['db']; readonly cask: CaskDatabase };

/** Each store's methods bound onto one object; the ports share no method name, so none hides another. */
export function storesOver(cask: CaskDatabase): TestStores {
  const parts: object[] = [
    new KyselyJobStore(cask),
    new KyselyOutboxStore(cask),
    new KyselyIdempotencyStore(cask),
    new KyselyRetentionStore(cask),
    new KyselyStatsStore(cask),
    new KyselyQueueStateStore(cask),
    new KyselyGroupStore(cask),
    new KyselyFlowStore(cask),
  ];
  const facade: Record<string, unknown> = {
    database: cask.db,
    cask,
    migrate: () => cask.migrate(),
    ping: () => cask.ping(),
    close: () => cask.close(),
  };
  for (const part of parts) {
    for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(part))) {
      const member = (part as Record<string, unknown>)[name];
      if (name === 'constructor' || typeof member !== 'function' || name in facade) continue;
      facade[name] = member.bind(part);
    }
  }
  return facade as unknown as TestStores;
}

/** Every store over the database the options name (not migrated yet). */
export function openTestStores(options: CaskStoreOptions): TestStores {
  return storesOver(openCaskDatabase(options));
}
