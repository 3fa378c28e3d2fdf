import { Injectable } from '@nestjs/common';
import Ajv, { ErrorObject, MissingRefError, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { LRUCache } from 'lru-cache';
import RE2 from 're2';
import { FieldError } from '@app/common';

const toFieldErrors = (prefix: string, errors: ErrorObject[] | null | undefined): FieldError[] =>
  (errors ?? []).map((e) => ({
    field: `${prefix}${e.instancePath.replace(/\//g, '.')}`,
    message: `${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? `: ${e.params.additionalProperty}` : ''}`,
  }));

/** Thrown by the regexp engine for a pattern RE2 cannot run (lookaround, backreferences...). */
class PatternRefused extends Error {
  constructor(readonly pattern: string, reason: string) {
    super(`pattern ${JSON.stringify(pattern)} is not supported (${reason}): patterns use RE2 syntax, without lookaround or backreferences`);
  }
}

/**
 * Ajv's regexp engine: RE2 runs in time linear in the input, so an org's pattern such as
 * ^(a+)+$ cannot stall the event loop on a crafted value.
 */
const re2Engine = Object.assign(
  (pattern: string, flags: string) => {
    try {
      return new RE2(pattern, flags);
    } catch (err) {
      throw new PatternRefused(pattern, (err as Error).message);
    }
  },
  { code: 'require("re2")' },
);

type Compiled = { validate: ValidateFunction; problem?: undefined } | { validate?: undefined; problem: string };

/**
 * JSON Schemas of job types (params_schema, output_schema), compiled one document at a time.
 * Each document gets an Ajv instance of its own that holds nothing else (no meta-schemas, no
 * other org's schemas), so a `$ref` can only reach into the same document: two orgs may both
 * use `$id: "report"`, a PATCH may keep its `$id`, and a remote or foreign `$ref` does not
 * resolve (refused when the job type is written). Validators are cached by schema text: the
 * same text compiles to the same function whoever wrote it, so sharing one leaks nothing.
 */
@Injectable()
export class JsonSchemas {
  /** Checks a schema against the draft-07 meta-schema: the schema is data here, never registered. */
  private readonly meta = addFormats(new Ajv({ allErrors: true, strict: false }));
  /** Bounded by count and by schema text (a validator's size follows its schema's). */
  private readonly compiled = new LRUCache<string, Compiled>({
    max: 2000, maxSize: 32_000_000, sizeCalculation: (_v, key) => key.length + 1, ttl: 3_600_000, updateAgeOnGet: true,
  });

  /** Errors if `schema` is not a usable JSON Schema. */
  checkSchema(schema: unknown, field: string): FieldError[] {
    if (schema === undefined || schema === null) return [];
    if (typeof schema !== 'object' || Array.isArray(schema)) return [{ field, message: 'must be a JSON Schema object' }];
    const { problem } = this.compile(schema as object);
    return problem ? [{ field, message: problem }] : [];
  }

  /**
   * Field errors of `value` under `prefix`. A stored schema that no longer compiles (written
   * before today's rules) is one error on `prefix`, never an exception.
   */
  validate(schema: object | null | undefined, value: unknown, prefix: string): FieldError[] {
    if (!schema) return [];
    const { validate, problem } = this.compile(schema);
    if (!validate) return [{ field: prefix, message: `cannot be checked: the job type's schema is not usable (${problem})` }];
    return validate(value) ? [] : toFieldErrors(prefix, validate.errors);
  }

  private compile(schema: object): Compiled {
    const key = JSON.stringify(schema);
    let entry = this.compiled.get(key);
    if (!entry) {
      entry = this.build(schema);
      this.compiled.set(key, entry);
    }
    return entry;
  }

  private build(schema: object): Compiled {
    try {
      if (!this.meta.validateSchema(schema)) {
        return { problem: `is not a valid JSON Schema: ${this.meta.errorsText(this.meta.errors, { dataVar: 'schema' })}` };
      }
    } catch (err) {
      return { problem: `is not a valid JSON Schema: ${(err as Error).message}` }; // e.g. an unknown $schema
    }
    const ajv = addFormats(new Ajv({
      allErrors: true, strict: false, meta: false, validateSchema: false, addUsedSchema: false, code: { regExp: re2Engine },
    }));
    try {
      return { validate: ajv.compile(schema) };
    } catch (err) {
      if (err instanceof MissingRefError) {
        return { problem: `$ref ${JSON.stringify(err.missingRef)} does not point into this schema: only references within the same schema are allowed (e.g. "#/definitions/name", or an $id declared in it)` };
      }
      if (err instanceof PatternRefused) return { problem: err.message };
      return { problem: `is not a valid JSON Schema: ${(err as Error).message}` };
    }
  }
}
