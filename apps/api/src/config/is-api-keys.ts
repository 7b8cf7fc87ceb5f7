import { ParsedBy } from '@cask/config';
import type { ValidationOptions } from 'class-validator';
import { parseApiKeys } from '../auth/api-keys';

/** Validates `CASK_API_KEYS` (`tenant:scope:key,...`); the message never repeats a key. */
export function IsApiKeys(options?: ValidationOptions): PropertyDecorator {
  return ParsedBy('isApiKeys', parseApiKeys, options);
}
