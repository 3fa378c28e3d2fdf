import { Injectable } from '@nestjs/common';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { FieldError } from '@app/common';

const toFieldErrors = (prefix: string, errors: ErrorObject[] | null | undefined): FieldError[] =>
  (errors ?? []).map((e) => ({
    field: `${prefix}${e.instancePath.replace(/\//g, '.')}`,
    message: `${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? `: ${e.params.additionalProperty}` : ''}`,
  }));

/** ajv, with compiled validators cached by schema text (job types are read far more than written). */
@Injectable()
export class JsonSchemas {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    addFormats(this.ajv);
  }

  /** Errors if `schema` is not a usable JSON Schema. */
  checkSchema(schema: unknown, field: string): FieldError[] {
    if (schema === undefined || schema === null) return [];
    if (typeof schema !== 'object' || Array.isArray(schema)) return [{ field, message: 'must be a JSON Schema object' }];
    try {
      this.validator(schema as object);
      return [];
    } catch (err) {
      return [{ field, message: `is not a valid JSON Schema: ${(err as Error).message}` }];
    }
  }

  validate(schema: object | null | undefined, value: unknown, prefix: string): FieldError[] {
    if (!schema) return [];
    const validate = this.validator(schema);
    return validate(value) ? [] : toFieldErrors(prefix, validate.errors);
  }

  private validator(schema: object): ValidateFunction {
    const key = JSON.stringify(schema);
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile(schema);
      if (this.compiled.size > 5000) this.compiled.clear();
      this.compiled.set(key, fn);
    }
    return fn;
  }
}
