import type { Principal } from './api-keys';

/** Who a key acts for, and whether the api asks for keys at all. */
export interface WhoamiView extends Principal {
  /** False when no keys are configured: every request acts for the default tenant. */
  keys_required: boolean;
}
