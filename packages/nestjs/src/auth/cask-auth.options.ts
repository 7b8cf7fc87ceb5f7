import type { ApiKey } from './api-keys';

/** Options of `CaskAuthModule.forRoot`. */
export interface CaskAuthOptions {
  /**
   * The keys Cask's routes accept, with their tenant and scope (`parseApiKeys('tenant:scope:key,...')` reads
   * them from one string). Only digests are kept. Empty: Cask's routes are open and every request acts for
   * the `default` tenant.
   */
  keys: readonly ApiKey[];
  /**
   * Requests per second per tenant on Cask's routes, and per client address for requests without a valid
   * key (per app instance); 0 for no limit.
   * @defaultValue 1 000
   */
  requestRatePerSecond?: number;
}
