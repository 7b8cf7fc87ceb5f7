import Ajv, { ValidateFunction } from 'ajv';
import { TransformationType } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { SCHEMAS, ValidatedClass, defaultMetadataStorage, validationSchema } from '../openapi/validation-schemas';

/**
 * The class-validator rules a JSON schema states exactly, and the keywords class-validator-jsonschema writes for
 * them. A property with any other rule (`@IsISO8601()`, a custom one) or keyword (a `format`, a `pattern`) is
 * left out of the compiled check, so a body carrying it takes class-validator's path.
 */
const EXACT_RULES = new Set([
  'isOptional',
  'isString',
  'isNotEmpty',
  'isObject',
  'isInt',
  'isNumber',
  'isIn',
  'min',
  'max',
  'isArray',
  'arrayMinSize',
  'arrayMaxSize',
]);
const EXACT_KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'minItems',
  'maxItems',
  'allOf',
  '$ref',
  'default',
  'description',
]);

/**
 * A compiled first pass over a body before class-validator's. It accepts only a body that class-validator would
 * accept as it is, and builds the same DTO instances class-transformer would (defaults such as `jitter: 0.2`
 * from the class). Anything else, every bad body included, goes on to the ValidationPipe, which names each bad
 * field as before. On `POST /jobs` the two libraries took about a tenth of the api's CPU.
 */
export class CompiledBodyCheck {
  private readonly compiled = new Map<ValidatedClass, Compiled | null>();

  /** The body as an instance of `target` when it is valid as it stands, else undefined. */
  instance(target: ValidatedClass, body: unknown): object | undefined {
    let compiled = this.compiled.get(target);
    if (compiled === undefined) {
      compiled = compile(target);
      this.compiled.set(target, compiled);
    }
    if (compiled === null || !compiled.check(body)) return undefined;
    return build(target, body as Record<string, unknown>, compiled.nested);
  }

  /** Whether `target` has a compiled check at all (a test's question: the job bodies must). */
  covers(target: ValidatedClass): boolean {
    this.instance(target, undefined);
    return this.compiled.get(target) !== null;
  }
}

/** A class's compiled check, and the classes its nested properties are built as, per class. */
interface Compiled {
  check: ValidateFunction;
  nested: Map<ValidatedClass, Map<string, ValidatedClass>>;
}

/** The check for `target`, or null when one of its rules (or a nested class's) is not stated exactly by a schema. */
function compile(target: ValidatedClass): Compiled | null {
  const nested = new Map<ValidatedClass, Map<string, ValidatedClass>>();
  const inexact = new Map<ValidatedClass, Set<string>>();
  if (!collect(target, nested, inexact)) return null;
  const schemas = Object.fromEntries(
    [...nested.keys()].map((c) => [c.name, exactPart(validationSchema(c) as Schema, inexact.get(c) ?? new Set())]),
  );
  try {
    const ajv = new Ajv({ strict: true, allErrors: false });
    // The schemas keep each other's `$ref`s as the OpenAPI document has them, under `components`.
    ajv.addKeyword('components');
    ajv.addSchema({ $id: 'cask', components: { schemas } });
    return { check: ajv.compile({ $ref: `cask${SCHEMAS}${target.name}` }), nested };
  } catch {
    // A schema Ajv reads otherwise than class-validator-jsonschema wrote it: class-validator alone, as before.
    return null;
  }
}

/** As class-transformer builds it: the class's own defaults, then the body's values, nested classes likewise. */
function build(target: ValidatedClass, body: Record<string, unknown>, nested: Compiled['nested']): object {
  const instance = Object.assign(new target(), body) as Record<string, unknown>;
  for (const [property, type] of nested.get(target) ?? []) {
    const value = body[property];
    if (Array.isArray(value)) instance[property] = value.map((item) => build(type, item as Record<string, unknown>, nested));
    else if (value !== undefined) instance[property] = build(type, value as Record<string, unknown>, nested);
  }
  return instance;
}

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[] };

/**
 * Adds `target` and every class nested in it to `found`, each with its nested properties' classes and the
 * properties with a rule outside EXACT_RULES (left out of the check: a body carrying one takes class-validator's
 * path). False when a class has no rules (`Object`, a primitive), has class-transformer change its values, or
 * nests a class it cannot build.
 */
function collect(target: ValidatedClass, found: Compiled['nested'], inexact: Map<ValidatedClass, Set<string>>): boolean {
  if (found.has(target)) return true;
  const properties = new Map<string, ValidatedClass>();
  const left = new Set<string>();
  found.set(target, properties);
  inexact.set(target, left);
  const rules = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
  if (rules.length === 0 || transformsValues(target, new Set(rules.map((rule) => rule.propertyName)))) return false;
  for (const rule of rules) {
    if (rule.type === 'nestedValidation') {
      const type = nestedType(target, rule.propertyName);
      if (!type || !collect(type, found, inexact)) return false;
      properties.set(rule.propertyName, type);
    } else if (!isExact(rule)) left.add(rule.propertyName);
  }
  return true;
}

function isExact(rule: ValidationMetadata): boolean {
  if (rule.type !== 'customValidation' && rule.type !== 'conditionalValidation') return false;
  if (!rule.name || !EXACT_RULES.has(rule.name) || rule.each || rule.groups?.length || rule.always) return false;
  // `@IsNumber()` with options (decimal places, NaN) says more than `type: number`.
  if (rule.name === 'isNumber') return Object.keys((rule.constraints?.[0] as object | undefined) ?? {}).length === 0;
  return true;
}

/** The class a `@ValidateNested()` property is transformed to (`@Type(() => Nested)`). */
function nestedType(target: ValidatedClass, property: string): ValidatedClass | undefined {
  return defaultMetadataStorage.findTypeMetadata(target, property)?.typeFunction() as ValidatedClass | undefined;
}

/** Whether class-transformer would change a body of `target` beyond building it (`@Transform`, `@Expose`, `@Exclude`). */
function transformsValues(target: ValidatedClass, properties: Iterable<string>): boolean {
  if (defaultMetadataStorage.getExposedMetadatas(target).length > 0 || defaultMetadataStorage.getExcludedMetadatas(target).length > 0)
    return true;
  return [...properties].some(
    (property) => defaultMetadataStorage.findTransformMetadatas(target, property, TransformationType.PLAIN_TO_CLASS).length > 0,
  );
}

/**
 * The schema without the properties it cannot state exactly (not allowed, then): those with a rule outside
 * EXACT_RULES, and those whose schema needs a keyword outside EXACT_KEYWORDS.
 */
function exactPart(schema: Schema, inexact: Set<string>): Schema {
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).filter(([name, property]) => !inexact.has(name) && onlyExactKeywords(property)),
  );
  const exact: Schema = { ...schema, properties };
  // A required property left out refuses every body: the class keeps class-validator's path.
  if ((schema.required ?? []).some((name) => !Object.hasOwn(properties, name))) return { not: {} };
  if (exact.required === undefined) delete exact.required;
  return exact;
}

function onlyExactKeywords(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return true;
  if (Array.isArray(schema)) return schema.every(onlyExactKeywords);
  return Object.entries(schema).every(([keyword, value]) => {
    if (!EXACT_KEYWORDS.has(keyword)) return false;
    if (keyword === 'properties') return Object.values(value as object).every(onlyExactKeywords);
    return keyword === 'enum' || keyword === 'default' || onlyExactKeywords(value);
  });
}
