import { parseSigningKeys } from '@cask/contracts';
import type { ValidationOptions } from 'class-validator';
import { ParsedBy } from './parsed-by';

/** Validates `CASK_SIGNING_KEYS` (`id:secret,...`); the message never repeats a secret. */
export function IsSigningKeys(options?: ValidationOptions): PropertyDecorator {
  return ParsedBy('isSigningKeys', parseSigningKeys, options);
}
