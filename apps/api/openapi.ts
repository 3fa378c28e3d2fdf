import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_TOKEN_SCHEME, REQUIRED_ACCESS_EXTENSION, TASK_CALLBACK_SCHEME, TOKEN_SCHEMAS } from '@app/auth';
import { CHANNEL_SCHEMAS } from '@app/channels';
import { COMMON_SCHEMAS, ref, Responses, SchemaMap, withProblems } from '@app/common';
import { JOB_TYPE_SCHEMAS } from '@app/job-types';
import { JOB_SCHEMAS } from '@app/jobs';
import { DELIVERY_SCHEMAS } from '@app/observers';
import { SCHEDULE_SCHEMAS } from '@app/schedules';
import { SESSION_SCHEMAS } from '@app/sessions';

export const DOCS_PATH = '/docs';
export const OPENAPI_JSON_PATH = '/docs/openapi.json';

/** Every library's response and body shapes, each defined once where it is owned. */
const SCHEMA_MAPS: SchemaMap[] = [
  COMMON_SCHEMAS, TOKEN_SCHEMAS, JOB_TYPE_SCHEMAS, JOB_SCHEMAS, CHANNEL_SCHEMAS, DELIVERY_SCHEMAS, SCHEDULE_SCHEMAS, SESSION_SCHEMAS,
];

const DESCRIPTION = `Multi-tenant service that dispatches agent jobs to AI agents and delivers their results.

- Success answers are \`{"data": ..., "meta": {...}}\`; errors are RFC 9457 \`application/problem+json\` with a machine \`code\` (docs/decisions.md "Error codes" says what each means).
- Every route refuses unknown query parameters (400 VALIDATION_ERROR) and bodies over 1 MB (413).
- Each operation names the access level it needs in \`${REQUIRED_ACCESS_EXTENSION}\` (READ < WRITE < ADMIN).
- Streams are \`text/event-stream\`; their messages are listed per media type in \`x-sse-events\` (event name: data schema).`;

const TAGS: Array<[string, string]> = [
  ['Jobs', 'Create, list, watch and cancel agent jobs'],
  ['Streams', 'Live job events (server-sent events)'],
  ['Agents', 'What agents call back'],
  ['Job types', 'The agents behind jobs'],
  ['Schedules', 'Recurring jobs'],
  ['Sessions', 'Conversational turns with an agent'],
  ['Channels', 'Where results are delivered'],
  ['Webhooks', 'Callback and observer deliveries, and their signing secret'],
  ['Tokens', 'API tokens (ADMIN)'],
  ['Health', 'Liveness and readiness'],
  ['Metrics', 'Prometheus metrics'],
  ['Docs', 'This document'],
];

function allSchemas(): SchemaMap {
  const all: SchemaMap = {};
  for (const map of SCHEMA_MAPS) {
    for (const [name, schema] of Object.entries(map)) {
      if (all[name]) throw new Error(`OpenAPI schema ${name} is defined twice`);
      all[name] = schema;
    }
  }
  return all;
}

/** The docs routes themselves (plain Express routes, see api-docs.ts): public, no query parameters. */
function docsPaths(): OpenAPIObject['paths'] {
  const get = (summary: string, description: string, content: Record<string, unknown>) => ({
    get: {
      operationId: `ApiDocs_${summary.replace(/\W/g, '')}`,
      summary,
      tags: ['Docs'],
      security: [],
      responses: withProblems({ 200: { description, content } } as unknown as Responses, ['VALIDATION_ERROR']),
    },
  });
  return {
    [DOCS_PATH]: get('Interactive API docs', 'Swagger UI, served with all its assets from this server', { 'text/html': { schema: { type: 'string' } } }),
    [OPENAPI_JSON_PATH]: get('This OpenAPI document', 'OpenAPI 3.1', { 'application/json': { schema: { type: 'object', additionalProperties: true } } }),
  } as unknown as OpenAPIObject['paths'];
}

type Operation = { description?: string; security?: Array<Record<string, string[]>>; responses: Record<string, unknown>; [key: string]: unknown };

/** What every operation gets: its access level in words, and the problem answer for anything else (500). */
function finishOperation(op: Operation): void {
  const access = op[REQUIRED_ACCESS_EXTENSION] as string | undefined;
  if (access) {
    const byAgents = op.security?.some((s) => TASK_CALLBACK_SCHEME in s) ? " An agent's task callback token may call it too." : '';
    op.description = [`Needs **${access}** (or a higher level).${byAgents}`, op.description].filter(Boolean).join('\n\n');
  }
  op.responses.default = {
    description: 'Any other error (500 INTERNAL_ERROR): problem details',
    content: { 'application/problem+json': { schema: ref('ProblemDetails') } },
  };
}

const METHOD_ORDER = ['get', 'put', 'post', 'patch', 'delete'];
const sortedBy = <T>(entries: Record<string, T>, compare: (a: string, b: string) => number): Record<string, T> =>
  Object.fromEntries(Object.entries(entries).sort(([a], [b]) => compare(a, b)));
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The OpenAPI 3.1 document of `app`, generated from its controllers' decorators and DTOs. The
 * same for the same code (paths and schemas sorted), whatever the app's config: the committed
 * openapi.json is this, written by `npm run openapi`.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Agent Jobs API')
    .setDescription(DESCRIPTION)
    .setVersion('1.0')
    .addSecurity(API_TOKEN_SCHEME, {
      type: 'http', scheme: 'bearer', bearerFormat: 'JWT',
      description: 'An API token of the org (npm run cli -- token create, or POST /services/tokens); its scopes give the access level',
    })
    .addSecurity(TASK_CALLBACK_SCHEME, {
      type: 'http', scheme: 'bearer',
      description: "The `callback.token` a task was sent to its agent with: valid for that task's result and its job's subjobs only",
    })
    .build();
  config.components = { ...config.components, schemas: allSchemas() as NonNullable<OpenAPIObject['components']>['schemas'] };
  const doc = SwaggerModule.createDocument(app, config);
  const paths = { ...doc.paths, ...docsPaths() };
  for (const item of Object.values(paths)) {
    for (const method of METHOD_ORDER) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (op) finishOperation(op);
    }
  }
  const { servers: _servers, ...rest } = doc;
  return {
    ...rest,
    info: { title: doc.info.title, description: doc.info.description, version: doc.info.version },
    tags: TAGS.map(([name, description]) => ({ name, description })),
    paths: sortedBy(paths, byName),
    components: { ...doc.components, schemas: sortedBy(doc.components?.schemas ?? {}, byName) },
  } as OpenAPIObject;
}
