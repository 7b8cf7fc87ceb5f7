import type { DispatchOptions } from './async-dispatcher';
import { InvalidPayloadError } from './invalid-payload.error';

/** Rejects out-of-range options the same way for every dispatcher. */
export function checkDispatchOptions(jobType: string, options: DispatchOptions): void {
  const { priority } = options;
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 9)) {
    throw new InvalidPayloadError(jobType, [{ field: 'priority', reason: 'priority must be an integer from 0 to 9' }]);
  }
}
