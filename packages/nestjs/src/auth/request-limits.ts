import { RequestLimiter } from '../limits/request-limiter';
import type { SharedRateLimits } from '../limits/shared-rate-limits';

/**
 * The rate limits the access guard applies: per tenant, and per client address for requests without a valid key;
 * shared by every api instance when `limits` counts them in the store.
 */
export class RequestLimits {
  readonly perTenant: RequestLimiter;
  readonly perAnonymousClient: RequestLimiter;

  constructor(perSecond: number, limits?: SharedRateLimits) {
    this.perTenant = new RequestLimiter(perSecond, 'requests', limits, 'requests:tenant');
    this.perAnonymousClient = new RequestLimiter(perSecond, 'requests', limits, 'requests:anonymous');
  }
}
