import type { Transaction } from 'kysely';
import { groupJobRow, groupRow, upsertGroups } from './group-rows';
import type { JobRecord, NewJob, OutboxMessage } from './job-record';
import { jobRow, outboxRow } from './job-rows';
import type { Database } from './schema';

/** Writes a job with its message: to the outbox, or for a grouped job to its group, where it waits its turn. */
export async function insertJob(trx: Transaction<Database>, job: NewJob, message: OutboxMessage): Promise<void> {
  await trx.insertInto('jobs').values(jobRow(job)).execute();
  if (!job.group) {
    await trx.insertInto('outbox').values(outboxRow(message)).execute();
    return;
  }
  await upsertGroups(trx, [groupRow(job)]).execute();
  await trx.insertInto('group_jobs').values(groupJobRow(job, message)).execute();
}

/**
 * Writes the message of a job already stored (redriven, or a flow job its parents let go): to the outbox, or for
 * a grouped job to its group, as the last of its waiting jobs (a group gone since, idle, comes back without
 * limits until its next dispatch).
 */
export async function queueMessage(trx: Transaction<Database>, job: JobRecord, message: OutboxMessage): Promise<void> {
  if (job.group === null) {
    await trx.insertInto('outbox').values(outboxRow(message)).execute();
    return;
  }
  const grouped: NewJob = { ...job, runAt: undefined, createdAt: message.createdAt, group: { key: job.group, fifo: false } };
  await trx.deleteFrom('group_jobs').where('job_id', '=', job.id).execute();
  await trx
    .insertInto('job_groups')
    .values(groupRow(grouped))
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  await trx.insertInto('group_jobs').values(groupJobRow(grouped, message)).execute();
}
