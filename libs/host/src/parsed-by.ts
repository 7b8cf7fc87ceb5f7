import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * Validates a string variable by parsing it: valid when `parse` does not throw, and the message is the
 * error's, so the parser names what is wrong (it must never repeat a secret).
 */
export function ParsedBy(name: string, parse: (value: string) => unknown, options?: ValidationOptions): PropertyDecorator {
  const problem = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return 'must be a string';
    try {
      parse(value);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => problem(value) === undefined,
        defaultMessage: (args) => problem(args?.value) ?? 'is invalid',
      },
    },
    options,
  );
}
