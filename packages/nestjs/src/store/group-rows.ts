import { DEFAULT_TENANT } from '@cask/contracts';
import { createHash } from 'node:crypto';
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { NewJob, OutboxMessage } from './job-record';
import { traceColumn } from './job-rows';
import type { Database, GroupJobsTable, JobGroupsTable } from './schema';

/** A group's id: its tenant, queue and key, digested so any key makes an id of one size. */
export function groupId(tenant: string, queue: string, key: string): string {
  return createHash('sha256')
    .update(JSON.stringify([tenant, queue, key]))
    .digest('hex');
}

/** The group row a grouped job's dispatch writes, with the limits of the job's definition. */
export function groupRow(job: NewJob): Insertable<JobGroupsTable> {
  const group = job.group as NonNullable<NewJob['group']>;
  const tenant = job.tenant ?? DEFAULT_TENANT;
  return {
    id: groupId(tenant, job.queue, group.key),
    tenant,
    queue: job.queue,
    key: group.key,
    concurrency: group.concurrency ?? null,
    rate_limit: group.rate?.limit ?? null,
    rate_per_ms: group.rate?.perMs ?? null,
    fifo: group.fifo ? 1 : 0,
    last_released_at: null,
    updated_at: job.createdAt,
  };
}

/** A grouped job's message, waiting in its group until let go. */
export function groupJobRow(job: NewJob, message: OutboxMessage): GroupJobsTable {
  const group = job.group as NonNullable<NewJob['group']>;
  return {
    job_id: job.id,
    group_id: groupId(job.tenant ?? DEFAULT_TENANT, job.queue, group.key),
    queue: job.queue,
    created_at: job.createdAt,
    due_at: job.runAt ?? job.createdAt,
    released_at: null,
    message_id: message.id,
    body: message.body,
    priority: message.priority,
    request_id: message.requestId ?? null,
    trace: traceColumn(message.trace),
  };
}

/**
 * Writes group rows, each once (one statement may not touch a row twice on PostgreSQL): a group that exists
 * takes the limits of the latest dispatch's definition.
 */
export function upsertGroups(db: Kysely<Database> | Transaction<Database>, rows: ReadonlyArray<Insertable<JobGroupsTable>>) {
  const distinct = [...new Map(rows.map((row) => [row.id, row])).values()];
  return db
    .insertInto('job_groups')
    .values(distinct)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        concurrency: eb.ref('excluded.concurrency'),
        rate_limit: eb.ref('excluded.rate_limit'),
        rate_per_ms: eb.ref('excluded.rate_per_ms'),
        fifo: eb.ref('excluded.fifo'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );
}
