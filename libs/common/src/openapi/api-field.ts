import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import type { Schema } from './json-schema';

/**
 * @nestjs/swagger reads a property's schema in OpenAPI 3.0 terms: a `type` array would become an
 * array of items, a `$ref` gets `type: object` beside it. Written as oneOf / allOf, they survive.
 */
function asPropertyOptions(schema: Schema): ApiPropertyOptions {
  const { type, $ref, description, ...rest } = schema;
  const described = description ? { description } : {};
  if ($ref) return { ...described, allOf: [{ $ref }] } as ApiPropertyOptions;
  if (Array.isArray(type)) {
    return { ...described, oneOf: type.map((t) => (t === 'null' ? { type: 'null' } : { ...rest, type: t })) } as ApiPropertyOptions;
  }
  return { ...described, ...rest, ...(type ? { type } : {}) } as ApiPropertyOptions;
}

/** A body DTO property in the API document, from its JSON Schema. */
export const ApiField = (schema: Schema) => ApiProperty(asPropertyOptions(schema));
export const ApiOptionalField = (schema: Schema) => ApiPropertyOptional(asPropertyOptions(schema));
