import { JOB_DEFINITIONS, SCHEDULE_DEFINITIONS } from '@cask/examples';
import type { CaskModuleOptions } from '@cask/nestjs';
import type { ApiConfig } from './api-config';

/** Cask's options for the reference api: its environment, and the example jobs. */
export function caskOptions(config: ApiConfig): CaskModuleOptions {
  return {
    jobs: JOB_DEFINITIONS,
    schedules: SCHEDULE_DEFINITIONS,
    broker: { url: config.amqpUrl, connectionName: 'cask-api', ca: config.brokerCa, confirmTimeoutMs: config.publishConfirmTimeoutMs },
    namespace: config.namespace,
    jobQueueType: config.jobQueueType,
    store: config.databaseUrl
      ? { type: 'postgres', url: config.databaseUrl, poolSize: config.databasePoolSize }
      : { type: 'sqlite', path: config.sqlitePath },
    signingKeys: config.signingKeys,
    outbox: { maxBacklog: config.outboxMaxBacklog, pollMs: config.outboxPollMs, packMaxJobs: config.outboxPackMaxJobs },
    groups: { buffer: config.groupBuffer },
    eventBatchSize: config.eventBatchSize,
    idempotencyTtlMs: config.idempotencyTtlMs,
    retention: {
      jobRetentionMs: config.jobRetentionMs,
      sweepMs: config.retentionSweepMs,
      tombstoneTtlMs: config.tombstoneTtlMs,
      deadLetterRetentionMs: config.deadLetterRetentionMs,
    },
    limits: { dispatchRatePerSecond: config.dispatchRateLimitPerSecond, maxQueuedJobsPerTenant: config.maxQueuedJobsPerTenant },
    maxPayloadBytes: Object.fromEntries(config.maxPayloadBytes),
    workers: { timeoutMs: config.workersTimeoutMs, rateLimits: Object.fromEntries(config.rateLimits) },
    shutdownGraceMs: config.shutdownGraceMs,
  };
}
