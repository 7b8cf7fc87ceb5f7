import { redactUrl } from '@cask/core';
import type { JobDefinition } from '@cask/contracts';
import type { WorkerConfig } from './config/worker-config';

/** The worker's one start-up line: who it is, which broker and queues, how many jobs at once, its health port. */
export function workerStartupLine(config: WorkerConfig, healthPort: number, jobs: readonly JobDefinition[]): string {
  const queues = config.queues ?? [...new Set(jobs.map((job) => job.queue))];
  return (
    `Cask worker ${config.workerId}: broker ${redactUrl(config.amqpUrl)}, queues ${queues.join(', ')}, ` +
    `concurrency ${config.concurrency}; health endpoints on port ${healthPort} (/health/live, /health/ready, /metrics)`
  );
}
