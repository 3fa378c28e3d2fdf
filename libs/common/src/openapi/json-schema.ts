/**
 * The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of the API document's shapes. @nestjs/swagger's
 * SchemaObject is OpenAPI 3.0's (no `type: [..., "null"]`, no `const`), hence this small type.
 */
export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export interface Schema {
  $ref?: string;
  type?: JsonType | JsonType[];
  title?: string;
  description?: string;
  enum?: readonly unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
  writeOnly?: boolean;
  [extension: `x-${string}`]: unknown;
}

/** Components by name; a library defines the shapes it owns once, in one such map. */
export type SchemaMap = Record<string, Schema>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** A `ref` that only takes the names of `schemas`, so a typo does not compile. */
export const refsTo = <M extends SchemaMap>(_schemas: M) => (name: keyof M & string): Schema => ref(name);

/** `schema` or null. */
export function nullable(schema: Schema): Schema {
  const { type } = schema;
  if (typeof type === 'string' && !schema.enum && !schema.$ref) return { ...schema, type: [type, 'null'] };
  return { oneOf: [schema, { type: 'null' }] };
}

/** An object whose properties are all present (null where there is no value) unless named in `optional`. */
export function object(properties: Record<string, Schema>, options: { optional?: string[]; description?: string } = {}): Schema {
  const required = Object.keys(properties).filter((key) => !options.optional?.includes(key));
  return { type: 'object', ...(options.description ? { description: options.description } : {}), properties, ...(required.length ? { required } : {}) };
}

export const arrayOf = (items: Schema, extra: Omit<Schema, 'type' | 'items'> = {}): Schema => ({ type: 'array', items, ...extra });

export const TEXT: Schema = { type: 'string' };
export const INTEGER: Schema = { type: 'integer' };
export const BOOLEAN: Schema = { type: 'boolean' };
export const TIMESTAMP: Schema = { type: 'string', format: 'date-time' };
/** Free-form JSON object (params, metadata, context...). */
export const JSON_OBJECT: Schema = { type: 'object', additionalProperties: true };
/** Any JSON value (a task's result): the `JsonValue` component (PROBLEM_SCHEMAS holds it). */
export const ANY_JSON: Schema = ref('JsonValue');
export const enumOf = (values: readonly string[], description?: string): Schema =>
  ({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
