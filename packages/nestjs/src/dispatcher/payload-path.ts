/** The value at a dotted path of a payload (`'customer.id'`), or undefined when there is none. */
export function valueAt(payload: object, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
