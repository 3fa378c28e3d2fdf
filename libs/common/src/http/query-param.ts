import { ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';
import type { Schema } from '../openapi/json-schema';

/** How one query parameter is read: `parse` gives the value, or undefined for a text it refuses. */
export interface QueryParser<T> {
  parse(text: string): T | undefined;
  /** The field error's message for a refused text, e.g. "must be an integer from 1 to 100". */
  expected: string;
  /** The texts it takes, for the API document (where the parameter's docs come from, so they cannot drift). */
  schema: Schema;
}

/** The parameter's entry in the API document: `default` as the client would write it (the DTO's initializer, parsed, is the same). */
export interface QueryParamDocs {
  description?: string;
  default?: string | number;
}

/** What the transform leaves for a value the validator then reports, with its one message. */
class Refused {
  constructor(readonly message: string) {}
}

/**
 * A property of a query DTO: the parameter, given at most once, as `parser` reads it. The
 * DTO holds the parsed value (a number, a Date...), its initializer being the default. Each
 * bad parameter gets exactly one field error, whatever is wrong with it.
 */
export function QueryParam<T>(parser: QueryParser<T>, docs: QueryParamDocs = {}): PropertyDecorator {
  const transform = Transform(({ value }) => {
    // The query parser gives an array for a repeated name (?limit=1&limit=2).
    if (typeof value !== 'string') return new Refused('must be given once');
    const parsed = parser.parse(value);
    return parsed === undefined ? new Refused(parser.expected) : parsed;
  });
  const validate = ValidateBy({
    name: 'queryParam',
    validator: {
      validate: (value) => !(value instanceof Refused),
      defaultMessage: (args) => (args?.value instanceof Refused ? args.value.message : parser.expected),
    },
  });
  const description = [docs.description, parser.schema.description].filter(Boolean).join('. ') || undefined;
  const documented = ApiPropertyOptional({ ...parser.schema, description, default: docs.default } as ApiPropertyOptions);
  return (target, key) => {
    transform(target, key);
    validate(target, key as string);
    documented(target, key);
  };
}

/** Any text (filters matched as given). */
export const anyText: QueryParser<string> = { parse: (text) => text, expected: 'must be text', schema: { type: 'string' } };

/** A whole number from `min` to `max`, in decimal digits. */
export const integer = (min: number, max: number): QueryParser<number> => ({
  parse: (text) => (/^\d+$/.test(text) && Number(text) >= min && Number(text) <= max ? Number(text) : undefined),
  expected: `must be an integer from ${min} to ${max}`,
  schema: { type: 'integer', minimum: min, maximum: max },
});

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** JS Date rolls 2024-02-30 over to March 1st: the day must exist in its month. */
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** An ISO 8601 date or date-time that exists (no February 30th). */
export const isoDateTime: QueryParser<Date> = {
  parse: (text) => {
    const date = new Date(text);
    return ISO_DATE.test(text) && !Number.isNaN(date.getTime()) && isCalendarDate(text) ? date : undefined;
  },
  expected: 'must be an ISO 8601 date-time',
  schema: { type: 'string', pattern: ISO_DATE.source, description: 'An ISO 8601 date or date-time, e.g. 2025-01-31 or 2025-01-31T09:00:00Z' },
};
