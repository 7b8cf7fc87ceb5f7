import { ValidateBy, ValidationOptions } from 'class-validator';
import { parseApiKeys } from '../auth/api-keys';

function problem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  try {
    parseApiKeys(value);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Validates `CASK_API_KEYS` (`tenant:scope:key,...`); the message never repeats a key. */
export function IsApiKeys(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isApiKeys',
      validator: {
        validate: (value: unknown) => problem(value) === undefined,
        defaultMessage: (args) => problem(args?.value) ?? 'is invalid',
      },
    },
    options,
  );
}
