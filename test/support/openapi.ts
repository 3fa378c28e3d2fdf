import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import type { TestApp } from './test-app';

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
  [key: string]: unknown;
}
export interface Operation {
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema: unknown; 'x-sse-events'?: Record<string, { data: unknown }> }> }>;
  [key: string]: unknown;
}

export interface Route {
  method: string;
  path: string;
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every route the app serves, as Express holds them (Nest registers each handler there; so does /docs). */
export function registeredRoutes(t: TestApp): Route[] {
  const stack: RouterLayer[] = t.app.getHttpAdapter().getInstance().router.stack;
  return stack.flatMap((layer) => (layer.route
    ? Object.keys(layer.route.methods).map((method) => ({ method, path: layer.route!.path }))
    : []));
}

/** Express' `/services/agent-jobs/:id` is the document's `/services/agent-jobs/{id}`. */
export const toTemplate = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

/**
 * Every object schema that lists its required members is made closed (additionalProperties:
 * false) for the check: a member an answer has and the document does not is a failure too.
 */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (!node || typeof node !== 'object') return node;
  const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, closed(v)])) as Record<string, unknown>;
  if (copy.properties && Array.isArray(copy.required) && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

/** Checks answers against the document: the status is one the operation documents, the body fits its schema. */
export class DocumentedAnswers {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly doc: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema(closed(doc) as object, 'openapi');
  }

  operation(method: string, template: string): Operation {
    const op = this.doc.paths[template]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${template} is not in the document`);
    return op;
  }

  /** The validator of the schema at this JSON pointer of the document (compiled once). */
  private validator(...parts: string[]): ValidateFunction {
    const ref = `openapi#/${pointer(...parts)}`;
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    return validate;
  }

  /** The answer's status is documented for the operation (or falls under `default`), and its body fits. */
  expect(res: Response, method: string, template: string): void {
    const op = this.operation(method, template);
    const status = String(res.status);
    const key = op.responses[status] ? status : 'default';
    const id = `${method.toUpperCase()} ${template} -> ${status}`;
    expect({ id, documented: key !== 'default' || res.status >= 500 }).toEqual({ id, documented: true });
    const mediaType = (res.headers['content-type'] ?? '').split(';')[0];
    const content = op.responses[key].content ?? {};
    expect({ id, mediaType, documented: Object.keys(content) }).toEqual({ id, mediaType, documented: expect.arrayContaining([mediaType]) });
    if (!/json$/.test(mediaType)) return;
    this.expectFits(res.body, id, 'paths', template, method.toLowerCase(), 'responses', key, 'content', mediaType, 'schema');
  }

  /** Each server-sent event's data fits the schema the operation documents for its event name. */
  expectEvents(events: Array<{ event: string; data: string }>, method: string, template: string, mediaTypeOf = '200'): void {
    const sse = this.operation(method, template).responses[mediaTypeOf].content?.['text/event-stream']?.['x-sse-events'] ?? {};
    expect(events.length).toBeGreaterThan(0);
    for (const { event, data } of events) {
      const id = `${method.toUpperCase()} ${template} event ${event}`;
      expect({ id, documented: event in sse }).toEqual({ id, documented: true });
      this.expectFits(JSON.parse(data), id, 'paths', template, method.toLowerCase(), 'responses', mediaTypeOf, 'content', 'text/event-stream', 'x-sse-events', event, 'data');
    }
  }

  private expectFits(body: unknown, id: string, ...parts: string[]): void {
    const validate = this.validator(...parts);
    const ok = validate(body);
    expect({ id, errors: ok ? [] : validate.errors!.map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`) }).toEqual({ id, errors: [] });
  }
}

/** The document the app serves. */
export async function servedDocument(t: TestApp): Promise<OpenApiDocument> {
  const res = await t.http().get('/docs/openapi.json');
  expect(res.status).toBe(200);
  return res.body as OpenApiDocument;
}
