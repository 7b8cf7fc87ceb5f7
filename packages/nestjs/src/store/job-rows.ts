import {
  BackoffPolicy,
  DEFAULT_RETRY_POLICY,
  DEFAULT_TENANT,
  DEFAULT_TIMEOUT_MS,
  JobStatus,
  TraceCarrier,
  isTraceCarrier,
} from '@cask/contracts';
import type { Insertable, Selectable } from 'kysely';
import type { JobRecord, JobTransition, NewJob, OutboxMessage } from './job-record';
import type { JobTransitionsTable, JobsTable, OutboxTable } from './schema';

export function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

const num = (value: number | null): number | null => (value === null ? null : Number(value));

export function toRecord(row: Selectable<JobsTable>): JobRecord {
  return {
    id: row.id,
    type: row.type,
    queue: row.queue,
    status: row.status as JobStatus,
    payload: parseJson<object>(row.payload) ?? {},
    result: parseJson(row.result),
    error: parseJson(row.error),
    progress: parseJson(row.progress),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    priority: Number(row.priority),
    worker: row.worker,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: num(row.started_at),
    finishedAt: num(row.finished_at),
    series: Number(row.series),
    nextAttemptAt: num(row.next_attempt_at),
    backoff: parseJson<BackoffPolicy>(row.backoff) ?? DEFAULT_RETRY_POLICY.backoff,
    timeoutMs: num(row.timeout_ms) ?? DEFAULT_TIMEOUT_MS,
    runAt: num(row.run_at),
    schedule: row.schedule,
    tenant: row.tenant,
    group: row.group_key,
    flowId: row.flow_id ?? null,
    trace: traceFromColumn(row.trace),
  };
}

/** A stored trace context: anything but a carrier (a column edited by hand, say) reads as none. */
export function traceFromColumn(text: string | null | undefined): TraceCarrier | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return isTraceCarrier(value) ? value : null;
  } catch {
    return null;
  }
}

/** A trace context as stored. */
export function traceColumn(trace: TraceCarrier | null | undefined): string | null {
  return trace ? JSON.stringify(trace) : null;
}

export function toTransition(row: Selectable<JobTransitionsTable>): JobTransition {
  return {
    series: Number(row.series),
    attempt: Number(row.attempt),
    status: row.status as JobStatus,
    at: Number(row.at),
    worker: row.worker,
    error: parseJson(row.error),
  };
}

export function toOutboxMessage(row: Selectable<OutboxTable>): OutboxMessage {
  return {
    id: row.id,
    jobId: row.job_id,
    routingKey: row.routing_key,
    body: row.body,
    priority: Number(row.priority),
    createdAt: Number(row.created_at),
    target: row.target === 'control' ? 'control' : 'jobs',
    requestId: row.request_id ?? undefined,
    trace: traceFromColumn(row.trace) ?? undefined,
  };
}

export function outboxRow(message: OutboxMessage): OutboxTable {
  return {
    id: message.id,
    job_id: message.jobId,
    routing_key: message.routingKey,
    body: message.body,
    priority: message.priority,
    created_at: message.createdAt,
    available_at: message.availableAt ?? message.createdAt,
    target: message.target === 'control' ? 'control' : null,
    request_id: message.requestId ?? null,
    trace: traceColumn(message.trace),
  };
}

export function jobRow(job: NewJob): Insertable<JobsTable> {
  return {
    id: job.id,
    type: job.type,
    queue: job.queue,
    status: job.status,
    payload: JSON.stringify(job.payload),
    max_attempts: job.maxAttempts,
    priority: job.priority,
    created_at: job.createdAt,
    updated_at: job.createdAt,
    backoff: JSON.stringify(job.backoff),
    timeout_ms: job.timeoutMs,
    run_at: job.runAt ?? null,
    schedule: job.schedule ?? null,
    tenant: job.tenant ?? DEFAULT_TENANT,
    group_key: job.group?.key ?? null,
    flow_id: job.flowId ?? null,
    trace: traceColumn(job.trace),
  };
}
