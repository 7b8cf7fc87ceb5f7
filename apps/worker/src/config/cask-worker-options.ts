import { JOB_DEFINITIONS } from '@cask/examples';
import type { CaskWorkerModuleOptions } from '@cask/worker';
import type { Registry } from 'prom-client';
import type { WorkerConfig } from './worker-config';

/** Cask's worker options for the reference worker: its environment, and the example jobs. */
export function caskWorkerOptions(config: WorkerConfig, metricsRegistry: Registry): CaskWorkerModuleOptions {
  return {
    jobs: JOB_DEFINITIONS,
    broker: { url: config.amqpUrl, ca: config.brokerCa, confirmTimeoutMs: config.publishConfirmTimeoutMs },
    namespace: config.namespace,
    jobQueueType: config.jobQueueType,
    workerId: config.workerId,
    concurrency: config.concurrency,
    queues: config.queues,
    typeConcurrency: Object.fromEntries(config.typeConcurrency),
    rateLimits: Object.fromEntries(config.rateLimits),
    heartbeatMs: config.heartbeatMs,
    startedEventDelayMs: config.startedEventDelayMs,
    shutdownGraceMs: config.shutdownGraceMs,
    packSplitMs: config.packSplitMs,
    signingKeys: config.signingKeys,
    metricsRegistry,
  };
}
