import { validate } from '@readme/openapi-parser';
import { DECORATORS, OpenAPIObject } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROBLEM_STATUS, Schema } from '@app/common';
import { generateOpenApiDocument, serializeOpenApiDocument } from './openapi-export';

const ROOT = path.resolve(__dirname, '../..');
type Operation = { parameters?: Array<{ name: string; in: string; schema: Schema }>; responses: Record<string, unknown>; [k: string]: unknown };

const operations = (doc: OpenAPIObject) => Object.entries(doc.paths).flatMap(([route, item]) =>
  Object.entries(item as Record<string, Operation>).map(([method, op]) => ({ route, method, op })));

/** The non-null branch of a property schema (nullable ones are oneOf [schema, null] or a type array). */
function nonNull(schema: Schema): Schema {
  const branch = schema.oneOf?.find((s) => s.type !== 'null');
  if (branch) return { ...branch, description: schema.description };
  if (Array.isArray(schema.type)) return { ...schema, type: schema.type.find((t) => t !== 'null') };
  return schema;
}
const acceptsNull = (schema: Schema) => !!schema.oneOf?.some((s) => s.type === 'null') || (Array.isArray(schema.type) && schema.type.includes('null'));

/** What each class-validator check says the documented property must say. */
function expectationsOf(m: ValidationMetadata): Partial<Schema> | undefined {
  const [a] = m.constraints ?? [];
  const own: Record<string, Partial<Schema>> = {
    maxLength: { maxLength: a }, minLength: { minLength: a }, min: { minimum: a }, max: { maximum: a },
    matches: { pattern: (a as RegExp)?.source }, arrayMaxSize: { maxItems: a },
    isInt: { type: 'integer' }, isString: { type: 'string' }, isBoolean: { type: 'boolean' }, isArray: { type: 'array' },
    isIn: m.each ? { items: expect.objectContaining({ enum: a }) } : { enum: a },
  };
  return m.name ? own[m.name] : undefined;
}

describe('the OpenAPI document', () => {
  let doc: OpenAPIObject;
  beforeAll(async () => {
    doc = await generateOpenApiDocument();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result).toEqual(expect.objectContaining({ valid: true, warnings: [] }));
  });

  it('is the committed openapi.json (a change of the API updates it: npm run openapi)', () => {
    const committed = readFileSync(path.join(ROOT, 'openapi.json'), 'utf8');
    const generated = serializeOpenApiDocument(doc);
    if (generated !== committed) {
      const lines = [generated.split('\n'), committed.split('\n')];
      const at = lines[0].findIndex((line, i) => line !== lines[1][i]);
      throw new Error(`openapi.json is not the document the code generates (first difference at line ${at + 1}: `
        + `${JSON.stringify(lines[0][at])} generated, ${JSON.stringify(lines[1][at])} committed). Run \`npm run openapi\` and commit openapi.json.`);
    }
  });

  it('documents each body DTO property with the constraints its validators enforce', () => {
    const schemas = doc.components!.schemas as Record<string, Schema>;
    const checked: string[] = [];
    const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, ValidationMetadata[]> };
    for (const [target, metas] of storage.validationMetadatas) {
      if (metas.some((m) => m.name === 'queryParam')) continue; // query DTOs: documented from their parsers (next test)
      const name = (Reflect.getMetadata(DECORATORS.API_SCHEMA, target) as Array<{ name?: string }> | undefined)?.[0]?.name ?? target.name;
      const component = schemas[name];
      if (!component) continue; // a DTO no route takes (e.g. config classes)
      checked.push(name);
      const properties = [...new Set(metas.map((m) => m.propertyName))];
      expect({ name, properties: Object.keys(component.properties ?? {}).sort() }).toEqual({ name, properties: [...properties].sort() });
      for (const property of properties) {
        const own = metas.filter((m) => m.propertyName === property);
        const schema = component.properties![property];
        const optional = own.some((m) => m.type === 'conditionalValidation');
        expect({ name, property, required: component.required?.includes(property) ?? false }).toEqual({ name, property, required: !optional });
        // ValidateIf((_, v) => v !== null): null is a value the route takes.
        const nullAllowed = own.some((m) => {
          const validates = m.name !== 'isOptional' && m.type === 'conditionalValidation' ? (m.constraints[0] as (o: object, v: unknown) => boolean) : undefined;
          return validates && !validates({}, null) && validates({}, 'a value');
        });
        if (nullAllowed) expect({ name, property, acceptsNull: acceptsNull(schema) }).toEqual({ name, property, acceptsNull: true });
        const documented = nonNull(schema);
        for (const expected of own.map(expectationsOf).filter(Boolean)) {
          expect({ name, property, schema: documented }).toEqual({ name, property, schema: expect.objectContaining(expected) });
        }
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['CreateJobDto', 'TargetChannel', 'Observer', 'CreateJobTypeDto', 'ChatDto', 'CreateScheduleDto', 'TaskResultDto']));
  });

  it("documents each query parameter's default as the value the DTO starts with", () => {
    const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, ValidationMetadata[]> };
    const queryDtos = [...storage.validationMetadatas.entries()].filter(([, metas]) => metas.some((m) => m.name === 'queryParam'));
    expect(queryDtos.length).toBeGreaterThanOrEqual(5);
    for (const [dto, metas] of queryDtos) {
      const empty = plainToInstance(dto as new () => object, {}) as Record<string, unknown>;
      for (const { propertyName } of metas) {
        const documented = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, dto.prototype, propertyName) as Schema | undefined;
        expect({ dto: dto.name, propertyName, documented: !!documented }).toEqual({ dto: dto.name, propertyName, documented: true });
        const parsed = documented!.default === undefined ? undefined
          : (plainToInstance(dto as new () => object, { [propertyName]: String(documented!.default) }) as Record<string, unknown>)[propertyName];
        expect({ dto: dto.name, propertyName, default: parsed }).toEqual({ dto: dto.name, propertyName, default: empty[propertyName] });
      }
    }
  });

  it("lists error codes with the statuses of docs/decisions.md's error table", () => {
    const decisions = readFileSync(path.join(ROOT, 'docs/decisions.md'), 'utf8');
    const section = decisions.slice(decisions.indexOf('## Error codes'), decisions.indexOf("Codes found in a job's"));
    const table = Object.fromEntries([...section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
    const cliOnly = ['INVALID_ORG_ID'];
    expect(Object.keys(table).length).toBeGreaterThan(40);
    expect(PROBLEM_STATUS).toEqual(Object.fromEntries(Object.entries(table).filter(([code]) => !cliOnly.includes(code))));
    // And each operation's problem responses list only those codes, under their status.
    for (const { route, method, op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        const codes = (response as { content?: Record<string, { schema: Schema }> }).content?.['application/problem+json']?.schema.allOf?.[1].properties?.code?.enum ?? [];
        for (const code of codes as string[]) expect({ route, method, code, status: String(table[code]) }).toEqual({ route, method, code, status });
      }
    }
  });

  it('gives every operation a summary, a default problem answer, and a token scheme with its access level unless it is public', () => {
    // /metrics takes METRICS_TOKEN (an operator's secret, not an API token) when one is set: outside the API token schemes.
    const PUBLIC = ['get /health', 'get /health/ready', 'get /docs', 'get /docs/openapi.json', 'get /metrics'];
    for (const { route, method, op } of operations(doc)) {
      const id = `${method} ${route}`;
      expect({ id, summary: typeof op.summary }).toEqual({ id, summary: 'string' });
      expect({ id, default: !!op.responses.default }).toEqual({ id, default: true });
      const security = (op.security ?? []) as Array<Record<string, string[]>>;
      if (PUBLIC.includes(id)) {
        expect({ id, security }).toEqual({ id, security: [] });
      } else if (id === 'post /services/agent-jobs/{id}/tasks/{task_id}/result') {
        expect(security).toEqual([{ taskCallbackToken: [] }]);
      } else {
        expect({ id, security: security[0] }).toEqual({ id, security: { apiToken: [] } });
        expect({ id, access: op['x-required-access'] }).toEqual({ id, access: expect.stringMatching(/^SERVICES:(READ|WRITE|ADMIN)$/) });
        expect(op.responses).toEqual(expect.objectContaining({ 401: expect.anything(), 403: expect.anything(), 503: expect.anything() }));
      }
    }
  });
});
