import { JsonSchemas } from './json-schemas';

const report = (required: string[]) => ({ $id: 'report', type: 'object', required, properties: { title: { type: 'string' } } });

describe('JsonSchemas', () => {
  let schemas: JsonSchemas;
  beforeEach(() => { schemas = new JsonSchemas(); });

  it('compiles two different schemas with the same $id side by side, each with its own rules', () => {
    const a = report(['title']);
    const b = { ...report(['owner']), properties: { owner: { type: 'integer' } } };
    expect(schemas.checkSchema(a, 'params_schema')).toEqual([]);
    expect(schemas.checkSchema(b, 'params_schema')).toEqual([]);
    expect(schemas.validate(a, { title: 'x' }, 'params')).toEqual([]);
    expect(schemas.validate(a, { owner: 1 }, 'params')).toEqual([{ field: 'params', message: "must have required property 'title'" }]);
    expect(schemas.validate(b, { owner: 1 }, 'params')).toEqual([]);
    expect(schemas.validate(b, { owner: 'me' }, 'params')).toEqual([{ field: 'params.owner', message: 'must be integer' }]);
  });

  it('resolves references inside the same document: JSON pointers, its own $id, nested $ids', () => {
    const schema = {
      $id: 'https://schemas.example/report', type: 'object',
      properties: {
        a: { $ref: '#/definitions/n' },
        b: { $ref: 'https://schemas.example/report#/definitions/n' },
        c: { $id: 'item', type: 'string' },
        d: { $ref: 'item' },
      },
      definitions: { n: { type: 'number' } },
    };
    expect(schemas.checkSchema(schema, 'params_schema')).toEqual([]);
    expect(schemas.validate(schema, { a: 1, b: 2, c: 'x', d: 'y' }, 'params')).toEqual([]);
    expect(schemas.validate(schema, { a: 'no', d: 3 }, 'params').map((e) => e.field).sort()).toEqual(['params.a', 'params.d']);
  });

  it.each([
    ['a remote http $ref', { $ref: 'https://schemas.example/other.json' }],
    ['the meta-schema', { $ref: 'http://json-schema.org/draft-07/schema#' }],
    ["another document's $id", { type: 'object', properties: { x: { $ref: 'report#/properties/title' } } }],
    ['a missing local definition', { $ref: '#/definitions/absent' }],
  ])('refuses %s', (_label, schema) => {
    schemas.checkSchema(report(['title']), 'params_schema'); // another document with $id "report" exists
    const [error] = schemas.checkSchema(schema, 'params_schema');
    expect(error).toEqual({ field: 'params_schema', message: expect.stringMatching(/^\$ref ".+" does not point into this schema/) });
  });

  it.each([
    ['a lookbehind', { type: 'string', pattern: '(?<=a)b' }],
    ['a lookahead in patternProperties', { type: 'object', patternProperties: { '^(?!x)': { type: 'string' } } }],
    ['a backreference', { type: 'string', pattern: '(a)\\1' }],
  ])('refuses %s: patterns are RE2', (_label, schema) => {
    const [error] = schemas.checkSchema(schema, 'output_schema');
    expect(error.field).toBe('output_schema');
    expect(error.message).toMatch(/^pattern ".+" is not supported \(.+\): patterns use RE2 syntax/);
  });

  it('runs a catastrophic-backtracking pattern in linear time', () => {
    const schema = { type: 'string', pattern: '^(a+)+$' };
    expect(schemas.checkSchema(schema, 'params_schema')).toEqual([]);
    // With a backtracking engine this input takes longer than the test run.
    expect(schemas.validate(schema, `${'a'.repeat(100_000)}!`, 'params')).toEqual([{ field: 'params', message: 'must match pattern "^(a+)+$"' }]);
    expect(schemas.validate(schema, 'aaaa', 'params')).toEqual([]);
  });

  it('reports meta-schema errors and non-objects', () => {
    expect(schemas.checkSchema({ type: 'banana' }, 'params_schema')[0].message).toMatch(/^is not a valid JSON Schema: schema\/type must be/);
    expect(schemas.checkSchema([], 'params_schema')).toEqual([{ field: 'params_schema', message: 'must be a JSON Schema object' }]);
    expect(schemas.checkSchema({ $schema: 'https://example.com/unknown' }, 'params_schema')[0].message).toMatch(/^is not a valid JSON Schema/);
    expect(schemas.checkSchema(null, 'params_schema')).toEqual([]);
  });

  it('a stored schema that no longer compiles is a field error, never an exception', () => {
    const stored = { type: 'string', pattern: '(?<=a)b' };
    expect(schemas.validate(stored, 'ab', 'result')).toEqual([
      { field: 'result', message: expect.stringMatching(/^cannot be checked: the job type's schema is not usable \(pattern/) },
    ]);
  });
});
