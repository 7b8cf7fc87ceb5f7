import type { FieldError } from '@cask/contracts';

/** Every error response: a short sentence, and for bad input the fields and why. Never a stack trace. */
export interface ErrorBody {
  error: string;
  details?: FieldError[];
}

export function errorBody(error: string, details?: FieldError[]): ErrorBody {
  return details && details.length > 0 ? { error, details } : { error };
}
