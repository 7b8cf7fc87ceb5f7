import { JobDefinition, MAX_GROUP_KEY_LENGTH } from '@cask/contracts';
import type { GroupClaim } from '../store/job-record';
import type { DispatchOptions } from './async-dispatcher';
import { InvalidPayloadError } from './invalid-payload.error';
import { valueAt } from './payload-path';

/**
 * The group a dispatch's job joins, with its definition's limits: the dispatch's `group`, else the value of the
 * definition's `group.by` payload field; undefined when neither names one, or the dispatch says `group: false`.
 */
export function groupOf(job: JobDefinition, options: DispatchOptions, payload: object): GroupClaim | undefined {
  const own = options.group;
  if (own === false) return undefined;
  const policy = job.group;
  let key: string;
  if (own !== undefined && own !== null) {
    if (typeof own !== 'string' || own.length === 0 || own.length > MAX_GROUP_KEY_LENGTH) {
      throw new InvalidPayloadError(job.name, [{ field: 'group', reason: `must be 1 to ${MAX_GROUP_KEY_LENGTH} characters` }], false);
    }
    key = own;
  } else if (policy?.by !== undefined) {
    const value = valueAt(payload, policy.by);
    const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
    if (text === undefined || text.length === 0 || text.length > MAX_GROUP_KEY_LENGTH) {
      throw new InvalidPayloadError(job.name, [
        { field: policy.by, reason: `must be a string of 1 to ${MAX_GROUP_KEY_LENGTH} characters or a number: it is the job's group` },
      ]);
    }
    key = text;
  } else {
    return undefined;
  }
  return { key, concurrency: policy?.concurrency, rate: policy?.rate && { ...policy.rate }, fifo: policy?.fifo ?? false };
}
