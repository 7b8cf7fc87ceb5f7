import { RequestLimiter } from '../limits/request-limiter';

/** The rate limits the access guard applies: per tenant, and per client address for requests without a valid key. */
export class RequestLimits {
  readonly perTenant: RequestLimiter;
  readonly perAnonymousClient: RequestLimiter;

  constructor(perSecond: number) {
    this.perTenant = new RequestLimiter(perSecond, 'requests');
    this.perAnonymousClient = new RequestLimiter(perSecond, 'requests');
  }
}
