import type { JobStatus } from '@cask/contracts';
import { finishedPerMinute, oldestQueuedSince, recentDurations } from './activity-queries';
import type { JobCounts, MinuteCounts } from './job-record';
import type { Kysely } from 'kysely';
import type { CaskDatabase } from './cask-database';
import { StatsStore } from './stats-store';
import type { Database } from './schema';

/** Counts and timings over Kysely. */
export class KyselyStatsStore extends StatsStore {
  constructor(private readonly database: CaskDatabase) {
    super();
  }

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  override async counts(tenant: string): Promise<JobCounts> {
    const rows = await this.db
      .selectFrom('jobs')
      .select((eb) => ['type', 'status', eb.fn.countAll<number>().as('count')])
      .where('tenant', '=', tenant)
      .groupBy(['type', 'status'])
      .execute();
    const counts: JobCounts = { byStatus: {}, byType: {} };
    for (const row of rows) {
      const status = row.status as JobStatus;
      const count = Number(row.count);
      counts.byStatus[status] = (counts.byStatus[status] ?? 0) + count;
      (counts.byType[row.type] ??= {})[status] = count;
    }
    return counts;
  }

  override async countWaiting(tenant: string): Promise<number> {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('tenant', '=', tenant)
      .where('status', 'in', ['waiting', 'queued', 'scheduled', 'retrying'])
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  override finishedPerMinute(tenant: string, since: number): Promise<MinuteCounts[]> {
    return finishedPerMinute(this.db, tenant, since);
  }

  override recentDurations(tenant: string, since: number, limit: number): Promise<number[]> {
    return recentDurations(this.db, tenant, since, limit);
  }

  override oldestQueuedSince(tenant: string): Promise<number | undefined> {
    return oldestQueuedSince(this.db, tenant);
  }
}
