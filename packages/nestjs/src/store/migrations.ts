import { Kysely, Migration, MigrationProvider, Migrator } from 'kysely';
import type { Database } from './schema';

/** Migrations live in code, in order; never edit one that has shipped, add the next. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_jobs': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('type', 'varchar(200)', (c) => c.notNull())
        .addColumn('queue', 'varchar(200)', (c) => c.notNull())
        .addColumn('status', 'varchar(20)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('progress', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('worker', 'varchar(200)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .execute();
      // Listing filters by status or type and pages newest first by id.
      await db.schema.createIndex('jobs_status_id').on('jobs').columns(['status', 'id']).execute();
      await db.schema.createIndex('jobs_type_id').on('jobs').columns(['type', 'id']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('jobs').execute();
    },
  },
  '0002_retries_outbox_idempotency': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('jobs')
        .addColumn('series', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable('jobs').addColumn('next_attempt_at', 'bigint').execute();
      await db.schema.alterTable('jobs').addColumn('backoff', 'text').execute();
      await db.schema.alterTable('jobs').addColumn('timeout_ms', 'integer').execute();
      await db.schema
        .createTable('job_transitions')
        .addColumn('job_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('series', 'integer', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(20)', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('worker', 'varchar(200)')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('job_transitions_job').on('job_transitions').columns(['job_id', 'at']).execute();
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('job_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('routing_key', 'varchar(200)', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('available_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('outbox_available').on('outbox').columns(['available_at']).execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('key', 'varchar(300)', (c) => c.primaryKey())
        .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('job_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').columns(['expires_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('idempotency_keys').execute();
      await db.schema.dropTable('outbox').execute();
      await db.schema.dropTable('job_transitions').execute();
      for (const column of ['series', 'next_attempt_at', 'backoff', 'timeout_ms'])
        await db.schema.alterTable('jobs').dropColumn(column).execute();
    },
  },
  '0003_scheduling_workers_retention': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('jobs').addColumn('run_at', 'bigint').execute();
      await db.schema.alterTable('jobs').addColumn('schedule', 'varchar(200)').execute();
      // null: the jobs exchange; 'control': the control stream (cancellations must survive a broker outage too).
      await db.schema.alterTable('outbox').addColumn('target', 'varchar(20)').execute();
      // Retention sweeps finished jobs by age.
      await db.schema.createIndex('jobs_finished').on('jobs').columns(['finished_at']).execute();
      await db.schema
        .createTable('job_tombstones')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('purged_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('schedules')
        .addColumn('name', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('cron', 'varchar(200)', (c) => c.notNull())
        .addColumn('timezone', 'varchar(100)', (c) => c.notNull())
        .addColumn('type', 'varchar(200)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('options', 'text', (c) => c.notNull())
        .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('source', 'varchar(10)', (c) => c.notNull())
        .addColumn('next_run_at', 'bigint')
        .addColumn('last_run_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // A lease lets one api instance among several do a singleton's work (e.g. ticking rate-limit tokens).
      await db.schema
        .createTable('leases')
        .addColumn('name', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('holder', 'varchar(200)', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('workers')
        .addColumn('id', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('host', 'varchar(200)', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('queues', 'text', (c) => c.notNull())
        .addColumn('concurrency', 'integer', (c) => c.notNull())
        .addColumn('in_flight', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['workers', 'leases', 'schedules', 'job_tombstones']) await db.schema.dropTable(table).execute();
      await db.schema.dropIndex('jobs_finished').execute();
      for (const column of ['run_at', 'schedule']) await db.schema.alterTable('jobs').dropColumn(column).execute();
      await db.schema.alterTable('outbox').dropColumn('target').execute();
    },
  },
  '0004_tenants': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Jobs from before tenants belong to the default one: an open api's tenant.
      for (const table of ['jobs', 'job_tombstones', 'schedules']) {
        await db.schema
          .alterTable(table)
          .addColumn('tenant', 'varchar(64)', (c) => c.notNull().defaultTo('default'))
          .execute();
      }
      // Every listing and count is within one tenant; the old status index served listings across all.
      await db.schema.dropIndex('jobs_status_id').execute();
      await db.schema.createIndex('jobs_tenant_status_id').on('jobs').columns(['tenant', 'status', 'id']).execute();
      await db.schema.createIndex('jobs_tenant_id').on('jobs').columns(['tenant', 'id']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('jobs_tenant_id').execute();
      await db.schema.dropIndex('jobs_tenant_status_id').execute();
      await db.schema.createIndex('jobs_status_id').on('jobs').columns(['status', 'id']).execute();
      for (const table of ['jobs', 'job_tombstones', 'schedules']) await db.schema.alterTable(table).dropColumn('tenant').execute();
    },
  },
  '0005_request_ids': {
    async up(db: Kysely<unknown>): Promise<void> {
      // A message the relay publishes later must still name the request that dispatched its job.
      await db.schema.alterTable('outbox').addColumn('request_id', 'varchar(128)').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('outbox').dropColumn('request_id').execute();
    },
  },
  '0006_activity': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The dashboard's activity (GET /stats/activity) reads a tenant's last hour of finishes: per minute by
      // status, and durations. Covering both, the index answers without reading a row: measured with 300,000
      // finishes in the hour, counting them per minute took 1.28 s -> 0.22 s on SQLite, 0.39 s -> 0.19 s on
      // PostgreSQL. It costs the event consumer's updates an index write per status change.
      await db.schema.createIndex('jobs_tenant_finished').on('jobs').columns(['tenant', 'finished_at', 'status', 'started_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('jobs_tenant_finished').execute();
    },
  },
  '0007_worker_formats': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The api packs a queue's jobs into one message only while every live worker of the queue reads packs.
      await db.schema.alterTable('workers').addColumn('formats', 'varchar(100)').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('workers').dropColumn('formats').execute();
    },
  },
  '0008_unique_keys_queue_states': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('unique_keys')
        .addColumn('key', 'varchar(300)', (c) => c.primaryKey())
        .addColumn('job_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('mode', 'varchar(10)', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('unique_keys_job').on('unique_keys').columns(['job_id']).execute();
      await db.schema
        .createTable('queue_states')
        .addColumn('queue', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('paused', 'integer', (c) => c.notNull())
        .addColumn('changed_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('queue_states').execute();
      await db.schema.dropTable('unique_keys').execute();
    },
  },
  '0009_job_groups': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('jobs').addColumn('group_key', 'varchar(200)').execute();
      // A tenant's jobs of one group, newest first (GET /jobs?group=).
      await db.schema.createIndex('jobs_tenant_group_id').on('jobs').columns(['tenant', 'group_key', 'id']).execute();
      await db.schema
        .createTable('job_groups')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('tenant', 'varchar(100)', (c) => c.notNull())
        .addColumn('queue', 'varchar(200)', (c) => c.notNull())
        .addColumn('key', 'varchar(200)', (c) => c.notNull())
        .addColumn('concurrency', 'integer')
        .addColumn('rate_limit', 'integer')
        .addColumn('rate_per_ms', 'bigint')
        .addColumn('fifo', 'integer', (c) => c.notNull())
        .addColumn('last_released_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('job_groups_queue').on('job_groups').columns(['queue', 'tenant', 'key']).execute();
      await db.schema
        .createTable('group_jobs')
        .addColumn('job_id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('group_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('queue', 'varchar(200)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('due_at', 'bigint', (c) => c.notNull())
        .addColumn('released_at', 'bigint')
        .addColumn('message_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('request_id', 'varchar(128)')
        .execute();
      // A group's next waiting jobs, in dispatch order; and what counts against its limits.
      await db.schema
        .createIndex('group_jobs_waiting')
        .on('group_jobs')
        .columns(['group_id', 'released_at', 'created_at', 'job_id'])
        .execute();
      await db.schema.createIndex('group_jobs_released').on('group_jobs').columns(['queue', 'released_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('group_jobs').execute();
      await db.schema.dropTable('job_groups').execute();
      await db.schema.dropIndex('jobs_tenant_group_id').execute();
      await db.schema.alterTable('jobs').dropColumn('group_key').execute();
    },
  },
  '0010_flows': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('jobs').addColumn('flow_id', 'varchar(36)').execute();
      await db.schema
        .createTable('flows')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('tenant', 'varchar(100)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('flow_nodes')
        .addColumn('job_id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('flow_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('key', 'varchar(64)', (c) => c.notNull())
        .addColumn('waiting', 'integer', (c) => c.notNull())
        .addColumn('callback', 'integer', (c) => c.notNull())
        .execute();
      // A flow's jobs by key (GET /flows/:id); flows with jobs that may be waiting (the gate's look-up).
      await db.schema.createIndex('flow_nodes_flow').on('flow_nodes').columns(['flow_id', 'key']).unique().execute();
      await db.schema.createIndex('flow_nodes_waiting').on('flow_nodes').columns(['waiting', 'flow_id']).execute();
      await db.schema
        .createTable('flow_edges')
        .addColumn('flow_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('child_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('parent_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('on_failure', 'varchar(16)', (c) => c.notNull())
        .execute();
      // An index rather than a named key: the table prefix applies to index names.
      await db.schema.createIndex('flow_edges_child').on('flow_edges').columns(['child_id', 'parent_id']).unique().execute();
      // A finished job's children (which flows to pass); a flow's edges.
      await db.schema.createIndex('flow_edges_parent').on('flow_edges').columns(['parent_id']).execute();
      await db.schema.createIndex('flow_edges_flow').on('flow_edges').columns(['flow_id']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('flow_edges').execute();
      await db.schema.dropTable('flow_nodes').execute();
      await db.schema.dropTable('flows').execute();
      await db.schema.alterTable('jobs').dropColumn('flow_id').execute();
    },
  },
  '0011_dead_letters': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('dead_letters')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('message_id', 'varchar(255)')
        .addColumn('reason', 'varchar(64)', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('source_queue', 'varchar(255)')
        .addColumn('job_id', 'varchar(36)')
        .addColumn('type', 'varchar(255)')
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('body_encoding', 'varchar(8)', (c) => c.notNull())
        .addColumn('body_bytes', 'integer', (c) => c.notNull())
        .addColumn('headers', 'text', (c) => c.notNull())
        .addColumn('dead_lettered_at', 'bigint', (c) => c.notNull())
        .addColumn('stored_at', 'bigint', (c) => c.notNull())
        .execute();
      // One row per letter however often it is read; the filters of the list and of bulk actions; a job's letters.
      await db.schema.createIndex('dead_letters_message').on('dead_letters').columns(['message_id']).unique().execute();
      await db.schema.createIndex('dead_letters_reason').on('dead_letters').columns(['reason', 'id']).execute();
      await db.schema.createIndex('dead_letters_job').on('dead_letters').columns(['job_id']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('dead_letters').execute();
    },
  },
  '0012_traces': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Text, not a length: a W3C carrier is ~60 bytes, but another propagator's (with its tracestate) may be more.
      for (const table of ['jobs', 'outbox', 'group_jobs']) await db.schema.alterTable(table).addColumn('trace', 'text').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['jobs', 'outbox', 'group_jobs']) await db.schema.alterTable(table).dropColumn('trace').execute();
    },
  },
  '0013_rate_limits': {
    async up(db: Kysely<unknown>): Promise<void> {
      // rate-limiter-flexible's table for PostgreSQL (see SharedRateLimits), made here so it takes the host's
      // prefix and schema; on SQLite, where limits are counted in memory, it stays empty.
      await db.schema
        .createTable('rate_limits')
        .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expire', 'bigint')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('rate_limits').execute();
    },
  },
};

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/**
 * Brings the schema up to date; Kysely's migration lock keeps concurrent starts apart. The migrations' own
 * tables take the same prefix and schema as Cask's others.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  naming: { tablePrefix: string; schema?: string } = { tablePrefix: '' },
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrations(),
    migrationTableName: `${naming.tablePrefix}cask_migrations`,
    migrationLockTableName: `${naming.tablePrefix}cask_migrations_lock`,
    migrationTableSchema: naming.schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? 'unknown error'}`, { cause: error });
  }
}
