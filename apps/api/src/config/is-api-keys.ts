import { ParsedBy } from '@cask/host';
import type { ValidationOptions } from 'class-validator';
import { parseApiKeys } from '@cask/nestjs';

/** Validates `CASK_API_KEYS` (`tenant:scope:key,...`); the message never repeats a key. */
export function IsApiKeys(options?: ValidationOptions): PropertyDecorator {
  return ParsedBy('isApiKeys', parseApiKeys, options);
}
