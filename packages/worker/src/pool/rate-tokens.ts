/**
 * Start tokens of rate-limited job types, shared by every worker: a job of such a type starts only with
 * a token, and the api issues each type's rate of them per second.
 */
export abstract class RateTokens {
  /** Takes one token of the type if one is there now; false when none is (or the broker is away). Never throws. */
  abstract take(type: string): Promise<boolean>;
}
