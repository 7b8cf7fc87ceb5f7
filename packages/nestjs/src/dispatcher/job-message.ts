import { DEFAULT_TENANT, JobEnvelope, JobOrigin, backoffToWire } from '@cask/contracts';
import { v7 as uuidv7 } from 'uuid';
import type { JobRecord, OutboxMessage } from '../store/job-record';

/**
 * The message that runs the first attempt of a job's current series.
 *
 * @param origin the request that asked for it, carried in a header onto the worker's log lines, and the trace
 *   context of that dispatch (by default the job's own, as its dispatch stored it)
 * @param inputs a flow job's: its parents' outcomes (or a callback's batch counts); it is runnable now
 */
export function firstAttemptMessage(
  job: Pick<
    JobRecord,
    'id' | 'type' | 'queue' | 'payload' | 'series' | 'maxAttempts' | 'backoff' | 'timeoutMs' | 'priority' | 'createdAt'
  > & { runAt?: number | null; tenant?: string; trace?: JobRecord['trace'] },
  now = Date.now(),
  origin: JobOrigin = {},
  inputs?: Pick<JobEnvelope, 'parents' | 'batch'>,
): OutboxMessage {
  const envelope: JobEnvelope = {
    v: 1,
    id: job.id,
    type: job.type,
    payload: job.payload,
    attempt: 1,
    series: job.series,
    max_attempts: job.maxAttempts,
    backoff: backoffToWire(job.backoff),
    timeout_ms: job.timeoutMs,
    created_at: job.createdAt,
    // A redrive (a later series) is runnable now; a delayed job once due.
    ready_at: job.series > 1 ? now : Math.max(job.createdAt, job.runAt ?? 0),
    // The default tenant goes unsaid: most deployments have only it, and every byte is sent per job.
    ...(job.tenant === undefined || job.tenant === DEFAULT_TENANT ? {} : { tenant: job.tenant }),
    ...(inputs && { ...inputs, ready_at: now }),
  };
  return {
    id: uuidv7(),
    jobId: job.id,
    routingKey: job.queue,
    body: JSON.stringify(envelope),
    priority: job.priority,
    createdAt: now,
    requestId: origin.requestId,
    trace: origin.trace ?? job.trace ?? undefined,
  };
}
