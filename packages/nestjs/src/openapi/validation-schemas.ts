import type { ParameterObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { targetConstructorToSchema } from 'class-validator-jsonschema';

/** class-transformer's metadata (`@Type(() => Nested)`, `@Transform`, ...); it exports this path for require only. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: MetadataStorage };

/** Where the document keeps named schemas; class-validator-jsonschema writes nested classes as `$ref`s to here. */
export const SCHEMAS = '#/components/schemas/';

/** A class validated with class-validator, built without arguments (DTOs, query classes, job payload classes). */
export type ValidatedClass = new () => object;

/**
 * A class's JSON schema, generated from its class-validator decorators, as the api applies them: a property the
 * class initialises is optional and that value is its default (the ValidationPipe and `validatePayload` fill
 * it in), and unknown properties are refused (`forbidNonWhitelisted`).
 */
export function validationSchema(target: ValidatedClass): SchemaObject {
  const schema = targetConstructorToSchema(target, {
    refPointerPrefix: SCHEMAS,
    classTransformerMetadataStorage: defaultMetadataStorage,
  }) as SchemaObject;
  const defaults = new target() as Record<string, unknown>;
  const properties: Record<string, SchemaObject | ReferenceObject> = {};
  for (const [name, generated] of Object.entries(schema.properties ?? {})) {
    properties[name] = withoutRefSiblings(defaults[name] === undefined ? generated : { ...generated, default: defaults[name] });
  }
  const required = (schema.required ?? []).filter((name) => defaults[name] === undefined);
  return { ...schema, properties, required: required.length > 0 ? required : undefined, additionalProperties: false };
}

/** Named schemas for the given classes, keyed by class name as `@nestjs/swagger` names its components. */
export function validationSchemas(targets: Iterable<ValidatedClass>): Record<string, SchemaObject> {
  return Object.fromEntries([...targets].map((target) => [target.name, validationSchema(target)]));
}

/** A query class's properties as query parameters, one each. */
export function queryParameters(target: ValidatedClass): ParameterObject[] {
  const schema = validationSchema(target);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as SchemaObject;
    return { name, in: 'query', required: schema.required?.includes(name) ?? false, description, schema: rest };
  });
}

/** OpenAPI 3.0 ignores what stands beside a `$ref` (a description, say): wrapped in `allOf`, it counts. */
function withoutRefSiblings(property: SchemaObject | ReferenceObject): SchemaObject | ReferenceObject {
  if (!('$ref' in property)) return property;
  const { $ref, ...rest } = property as ReferenceObject & SchemaObject;
  return Object.keys(rest).length > 0 ? { allOf: [{ $ref }], ...rest } : { $ref };
}
