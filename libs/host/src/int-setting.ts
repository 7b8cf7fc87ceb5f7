import { IsInt, Max, Min } from 'class-validator';

/**
 * An integer setting from `min` to `max` (no upper bound when `max` is undefined), each rule with the
 * message every setting uses. `maxText` spells the bound when a plain number would read badly ("30 days").
 */
export function IntSetting(min: number, max?: number, maxText = String(max)): PropertyDecorator {
  // Applied as `@IsInt() @Min() @Max()` written in that order would be (bottom-up), so `loadEnv` reports the
  // type check first for a value that is not a number.
  const rules = [
    ...(max === undefined ? [] : [Max(max, { message: `must be at most ${maxText}` })]),
    Min(min, { message: `must be at least ${min}` }),
    IsInt({ message: 'must be an integer' }),
  ];
  return (target, property) => {
    for (const rule of rules) rule(target, property);
  };
}
