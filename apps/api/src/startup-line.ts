import { redactUrl } from '@cask/core';
import type { JobDefinition } from '@cask/contracts';
import type { ApiConfig } from './config/api-config';

/** The api's one start-up line: where it listens, which broker and store it uses, what it runs. */
export function apiStartupLine(config: ApiConfig, port: number, jobs: readonly JobDefinition[]): string {
  const store = config.databaseUrl ? `PostgreSQL ${redactUrl(config.databaseUrl)}` : `SQLite ${config.sqlitePath}`;
  const queues = [...new Set(jobs.map((job) => job.queue))].join(', ');
  return (
    `Cask api listening on port ${port}: broker ${redactUrl(config.amqpUrl)}, store ${store}, ` +
    `${jobs.length} job types on queues ${queues}; API docs at /docs, dashboard at /dashboard`
  );
}
