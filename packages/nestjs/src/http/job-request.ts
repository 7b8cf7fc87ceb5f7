import { JobCatalogue, JobDefinition, backoffFromWire } from '@cask/contracts';
import type { DispatchOptions } from '../dispatcher/async-dispatcher';
import { MAX_DELAY_MS } from '../dispatcher/dispatch-options';
import type { CreateJobDto, JobRequestDto } from './create-job.dto';
import { ValidationFailedException } from './validation-failed.exception';

/** Resolves a job request's type and options (`POST /jobs`, batch items, flow jobs); field names in errors start with `prefix`. */
export function resolveJobRequest(
  catalogue: JobCatalogue,
  body: JobRequestDto & Partial<CreateJobDto>,
  prefix: string,
): { job: JobDefinition; options: DispatchOptions } {
  const job = catalogue.get(body.type);
  if (!job) {
    throw new ValidationFailedException(
      [{ field: `${prefix}type`, reason: `must be one of: ${catalogue.names().join(', ')}` }],
      `Unknown job type "${body.type}"`,
    );
  }
  if (body.delay_ms !== undefined && body.run_at !== undefined) {
    throw new ValidationFailedException([{ field: `${prefix}run_at`, reason: 'give delay_ms or run_at, not both' }]);
  }
  const runAt = body.run_at !== undefined ? Date.parse(body.run_at) : body.delay_ms !== undefined ? Date.now() + body.delay_ms : undefined;
  if (runAt !== undefined && runAt > Date.now() + MAX_DELAY_MS) {
    throw new ValidationFailedException([{ field: `${prefix}run_at`, reason: 'must be at most 30 days ahead' }]);
  }
  return {
    job,
    options: {
      priority: body.priority,
      maxAttempts: body.max_attempts,
      backoff: body.backoff && backoffFromWire(body.backoff),
      timeoutMs: body.timeout_ms,
      runAt,
      unique: body.unique
        ? {
            mode: body.unique.mode ?? undefined,
            by: body.unique.by ?? undefined,
            key: body.unique.key ?? undefined,
            forMs: body.unique.for_ms ?? undefined,
          }
        : undefined,
      group: body.group ?? undefined,
    },
  };
}
