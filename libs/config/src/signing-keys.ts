import { parseSigningKeys } from '@cask/contracts';
import { ValidateBy, ValidationOptions } from 'class-validator';

function problem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  try {
    parseSigningKeys(value);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Validates `CASK_SIGNING_KEYS` (`id:secret,...`); the message never repeats a secret. */
export function IsSigningKeys(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSigningKeys',
      validator: {
        validate: (value: unknown) => problem(value) === undefined,
        defaultMessage: (args) => problem(args?.value) ?? 'is invalid',
      },
    },
    options,
  );
}
