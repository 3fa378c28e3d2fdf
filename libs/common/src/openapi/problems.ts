import { METHOD_METADATA } from '@nestjs/common/constants';
import { DECORATORS } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { FieldError } from '../errors';
import { arrayOf, INTEGER, object, ref, Schema, SchemaMap, TEXT } from './json-schema';

/**
 * The status of every error code an HTTP route answers with (docs/decisions.md "Error codes";
 * test/e2e/openapi.e2e-spec.ts checks the two agree). Routes name theirs with @ApiProblems.
 */
export const PROBLEM_STATUS = {
  VALIDATION_ERROR: 400, MALFORMED_JSON: 400, INVALID_VALUE: 400, BAD_REQUEST: 400, INVALID_IDEMPOTENCY_KEY: 400,
  OUTBOUND_URL_REFUSED: 400, INVALID_CRON: 400, INVALID_TIMEZONE: 400, SLACK_TOKEN_INVALID: 400,
  UNAUTHORIZED: 401,
  INSUFFICIENT_ACCESS: 403, FORBIDDEN: 403, ORG_MISMATCH: 403,
  NOT_FOUND: 404, JOB_NOT_FOUND: 404, JOB_TYPE_NOT_FOUND: 404, PARENT_JOB_NOT_FOUND: 404, TASK_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404, SCHEDULE_NOT_FOUND: 404, SESSION_NOT_FOUND: 404, SESSION_EXPIRED: 404, CHANNEL_NOT_FOUND: 404,
  DELIVERY_NOT_FOUND: 404, ORG_NOT_FOUND: 404, SLACK_INTEGRATION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  JOB_ALREADY_TERMINAL: 409, SESSION_BUSY: 409, SESSION_NOT_BUSY: 409, SESSION_AGENT_MISMATCH: 409, JOB_TYPE_EXISTS: 409,
  JOB_TYPE_IN_USE: 409, PARENT_JOB_TERMINAL: 409, TASK_NOT_RUNNING: 409, IDEMPOTENCY_CONFLICT: 409,
  SECRET_ALREADY_REVEALED: 409, CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422, UNPROCESSABLE_ENTITY: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SLACK_UNAVAILABLE: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;
export type ProblemCode = keyof typeof PROBLEM_STATUS;

/** What any route that reads a JSON body may answer before its handler runs (express' body parser). */
export const BODY_PROBLEMS: ProblemCode[] = ['VALIDATION_ERROR', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

const fieldError: Record<keyof FieldError, Schema> = { field: TEXT, message: TEXT };

/** The shapes every library's documents use: the problem body, and "any JSON". */
export const COMMON_SCHEMAS = {
  JsonValue: { description: 'Any JSON value' },
  ProblemDetails: object({
    type: { type: 'string', format: 'uri', description: 'https://agent-jobs.dev/problems/<code in kebab-case>' },
    title: { ...TEXT, description: "The status' reason phrase, e.g. Bad Request" },
    status: INTEGER,
    detail: { ...TEXT, description: 'What went wrong, for a person; never a stack trace or a database message' },
    code: { ...TEXT, description: 'The machine code (docs/decisions.md "Error codes")' },
    errors: arrayOf(object(fieldError), { description: 'Field errors of a 400: body fields as `parent.child`, query parameters by name' }),
    active_turn_id: { type: ['string', 'null'], description: 'SESSION_BUSY only: the turn the session is running' },
    dependencies: {
      type: 'object',
      description: 'GET /health/ready only: each dependency up or down',
      additionalProperties: object({ status: { type: 'string', enum: ['up', 'down'] } }),
    },
  }, { optional: ['errors', 'active_turn_id', 'dependencies'], description: 'RFC 9457 problem details (application/problem+json)' }),
} satisfies SchemaMap;

const PROBLEM_JSON = 'application/problem+json';

interface ResponseEntry {
  description: string;
  content?: Record<string, { schema: Schema }>;
  headers?: Record<string, { description: string; schema: Schema }>;
}
export type Responses = Record<string, ResponseEntry>;

function problemResponse(status: number, codes: string[]): ResponseEntry {
  const entry: ResponseEntry = {
    description: `${STATUS_CODES[status]}: ${codes.map((c) => `\`${c}\``).join(', ')}`,
    content: {
      [PROBLEM_JSON]: {
        schema: { allOf: [ref('ProblemDetails'), { type: 'object', properties: { status: { const: status }, code: { type: 'string', enum: codes } } }] },
      },
    },
  };
  if (status === 503) entry.headers = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: INTEGER } };
  if (status === 429) {
    entry.headers = {
      'Retry-After': { description: 'Seconds until the token may send again', schema: INTEGER },
      'RateLimit-Limit': { description: "Requests the token may send per window (every answer of a rate-limited route carries the RateLimit-* headers)", schema: INTEGER },
      'RateLimit-Remaining': { description: 'Requests left in the current window (0 here)', schema: INTEGER },
      'RateLimit-Reset': { description: 'Seconds until the count starts again', schema: INTEGER },
      'RateLimit-Policy': { description: '`<limit>;w=<window seconds>`, e.g. `200;w=10`', schema: TEXT },
    };
  }
  return entry;
}

/** The codes a problem response built here lists. */
export function problemCodes(entry: ResponseEntry | undefined): string[] {
  const refinement = entry?.content?.[PROBLEM_JSON]?.schema.allOf?.[1];
  return (refinement?.properties?.code?.enum as string[] | undefined) ?? [];
}

/** `responses` with a problem response per status of `codes`, merged with the codes each one already lists. */
export function withProblems(responses: Responses, codes: readonly ProblemCode[]): Responses {
  const merged = { ...responses };
  const statuses = [...new Set(codes.map((c) => PROBLEM_STATUS[c]))];
  for (const status of statuses) {
    const all = new Set([...problemCodes(responses[status]), ...codes.filter((c) => PROBLEM_STATUS[c] === status)]);
    merged[status] = problemResponse(status, [...all].sort());
  }
  return merged;
}

/** The route handlers of a controller class (methods with a route decorator). */
function routeHandlers(controller: Function): Function[] {
  return Object.getOwnPropertyNames(controller.prototype)
    .map((name) => Object.getOwnPropertyDescriptor(controller.prototype, name)?.value)
    .filter((fn): fn is Function => typeof fn === 'function' && Reflect.hasMetadata(METHOD_METADATA, fn));
}

/**
 * The error answers of a route, one line: @ApiProblems('JOB_NOT_FOUND', 'FORBIDDEN'). Each status
 * becomes one problem+json response listing its codes (an enum on `code`); several uses add up.
 * On a controller it applies to each of its routes.
 */
export function ApiProblems(...codes: ProblemCode[]): MethodDecorator & ClassDecorator {
  const apply = (handler: Function) =>
    Reflect.defineMetadata(DECORATORS.API_RESPONSE, withProblems(Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) ?? {}, codes), handler);
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) apply(descriptor.value);
    else routeHandlers(target as Function).forEach(apply);
  }) as MethodDecorator & ClassDecorator;
}
