import {
  arrayOf, enumOf, INTEGER, JSON_OBJECT, nullable, object, ref, refsTo, Schema, SchemaMap, TEXT, TIMESTAMP,
} from '@app/common';
import { DEFAULT_AGENT_TIMEOUT_SECONDS, MAX_AGENT_TIMEOUT_SECONDS } from '../executor';
import { INT_BOUNDS, MAX_CONFIG_STRING, SERVICE_DEFAULT_CONFIG, STRING_FIELDS } from '../job-config';
import {
  API_KEY_PATTERN, BUILTIN_TOOL_NAMES, DEFAULT_MODEL_TIMEOUT_SECONDS, DEFAULT_TOOL_TIMEOUT_SECONDS, MAX_MODEL_NAME,
  MAX_MODEL_TIMEOUT_SECONDS, MAX_SYSTEM_PROMPT, MAX_TOOL_DESCRIPTION, MAX_TOOL_TIMEOUT_SECONDS, MAX_TOOLS, MAX_URL_LENGTH,
  TOOL_NAME_PATTERN,
} from '../openai/openai-executor';

/** The config fields, from the bounds checkConfig enforces (job-config.ts). */
const configFields: Record<string, Schema> = Object.fromEntries([
  ...Object.entries(INT_BOUNDS).map(([key, [minimum, maximum]]) => [key, { type: 'integer', minimum, maximum } as Schema]),
  ...STRING_FIELDS.map((key) => [key, { type: ['string', 'null'], maxLength: MAX_CONFIG_STRING } as Schema]),
].sort(([a], [b]) => (a < b ? -1 : 1)));
const defaults = SERVICE_DEFAULT_CONFIG as unknown as Record<string, unknown>;

const url: Schema = { type: 'string', format: 'uri', maxLength: MAX_URL_LENGTH, description: 'http(s); must pass the outbound rules (no private address unless the operator allows it)' };
const timeout = (max: number, dflt: number): Schema => ({ type: 'integer', minimum: 1, maximum: max, default: dflt });
const executorType = (type: string): Schema => ({ type: 'string', const: type });

const httpExecutor = object({
  type: executorType('http'),
  url: { ...url, description: 'The agent: each task is POSTed here, signed with the job type\'s Standard Webhooks secret' },
  timeout_seconds: timeout(MAX_AGENT_TIMEOUT_SECONDS, DEFAULT_AGENT_TIMEOUT_SECONDS),
}, { optional: ['timeout_seconds'] });
const builtinExecutor = object({
  type: executorType('builtin'),
  name: { ...TEXT, description: 'A builtin agent: `echo` (answers with its input) or `jobs-report` (a report on the org\'s jobs)' },
});
const toolFields = {
  type: executorType('http'),
  name: { type: 'string', pattern: TOOL_NAME_PATTERN.source },
  description: { type: 'string', minLength: 1, maxLength: MAX_TOOL_DESCRIPTION },
  parameters: { ...JSON_OBJECT, description: 'A JSON Schema with "type": "object": the arguments the model passes' },
  url: { ...url, description: 'The arguments are POSTed here (Standard Webhooks signed)' },
  timeout_seconds: timeout(MAX_TOOL_TIMEOUT_SECONDS, DEFAULT_TOOL_TIMEOUT_SECONDS),
} satisfies SchemaMap;
const openAiFields = {
  type: executorType('openai'),
  base_url: { ...url, description: 'An OpenAI Chat Completions server, e.g. https://api.openai.com/v1' },
  model: { type: 'string', minLength: 1, maxLength: MAX_MODEL_NAME },
  system_prompt: { type: ['string', 'null'], maxLength: MAX_SYSTEM_PROMPT },
  temperature: { type: ['number', 'null'], minimum: 0, maximum: 2, description: 'null: the server\'s default' },
  tools: arrayOf(ref('Tool'), { maxItems: MAX_TOOLS }),
  timeout_seconds: { ...timeout(MAX_MODEL_TIMEOUT_SECONDS, DEFAULT_MODEL_TIMEOUT_SECONDS), description: 'Per model call' },
} satisfies SchemaMap;
const byType = (names: Record<string, string>) => ({
  propertyName: 'type',
  mapping: Object.fromEntries(Object.entries(names).map(([type, name]) => [type, `#/components/schemas/${name}`])),
});

const jobTypeFields = {
  id: TEXT,
  org_id: TEXT,
  name: TEXT,
  description: { type: ['string', 'null'] },
  executor: ref('Executor'),
  params_schema: nullable(ref('JsonSchemaDocument')),
  output_schema: nullable(ref('JsonSchemaDocument')),
  default_config: ref('JobConfigInput'),
  created_at: TIMESTAMP,
  updated_at: TIMESTAMP,
} satisfies SchemaMap;

/** Job types' shapes: the executors and configs written by hand-checked bodies, and the JobType view. */
export const JOB_TYPE_SCHEMAS = {
  JobConfig: object(configFields, { description: "A job's run settings: its own config over its job type's default_config over the service's defaults" }),
  JobConfigInput: {
    ...object(Object.fromEntries(Object.entries(configFields).map(([k, s]) => [k, { ...s, default: defaults[k] }])), { optional: Object.keys(configFields) }),
    additionalProperties: false,
    description: 'Any of the config fields; the rest come from the job type (then the defaults shown)',
  },
  HttpExecutor: httpExecutor,
  BuiltinExecutor: builtinExecutor,
  OpenAiExecutorInput: object({
    ...openAiFields,
    api_key: { type: ['string', 'null'], pattern: API_KEY_PATTERN.source, writeOnly: true, description: 'Stored encrypted, never returned; null removes it; left out on a PATCH, the stored one stays (unless base_url moves to another origin)' },
  }, { optional: ['api_key', 'system_prompt', 'temperature', 'tools', 'timeout_seconds'] }),
  OpenAiExecutor: object({ ...openAiFields, api_key_set: { type: 'boolean', description: 'Whether an api_key is stored' } }),
  HttpTool: object(toolFields, { optional: ['timeout_seconds'], description: 'A tool the service calls over HTTP' }),
  BuiltinTool: object({ type: executorType('builtin'), name: enumOf(BUILTIN_TOOL_NAMES) }, { description: "A tool of the service itself, acting for the job's org only" }),
  Tool: { oneOf: [ref('HttpTool'), ref('BuiltinTool')], discriminator: byType({ http: 'HttpTool', builtin: 'BuiltinTool' }) },
  ExecutorInput: {
    description: 'The agent behind the job type',
    oneOf: [ref('HttpExecutor'), ref('BuiltinExecutor'), ref('OpenAiExecutorInput')],
    discriminator: byType({ http: 'HttpExecutor', builtin: 'BuiltinExecutor', openai: 'OpenAiExecutorInput' }),
  },
  Executor: {
    oneOf: [ref('HttpExecutor'), ref('BuiltinExecutor'), ref('OpenAiExecutor')],
    discriminator: byType({ http: 'HttpExecutor', builtin: 'BuiltinExecutor', openai: 'OpenAiExecutor' }),
  },
  JsonSchemaDocument: { ...JSON_OBJECT, description: 'A JSON Schema (draft-07); patterns in RE2 syntax, no $ref outside the document' },
  JobType: object(jobTypeFields),
  JobTypeCreated: object({ ...jobTypeFields, signing_secret: { ...TEXT, description: 'whsec_...: verifies our Standard Webhooks signature on agent calls. Shown this once.' } }),
  SigningSecretRotation: object({
    signing_secret: { ...TEXT, description: 'The new secret, shown this once' },
    previous_expires_at: { ...TIMESTAMP, description: 'Until then agent calls carry signatures of both secrets' },
  }),
  Usage: object({ prompt: INTEGER, completion: INTEGER, total: INTEGER }, { description: 'Model tokens' }),
  ToolCall: object({
    tool: TEXT,
    status: TEXT,
    duration_ms: INTEGER,
    error_code: { type: ['string', 'null'], description: 'docs/decisions.md: UNKNOWN_TOOL, INVALID_ARGUMENTS, TOOL_HTTP_ERROR...' },
  }),
} satisfies SchemaMap;

export const jobTypeSchema = refsTo(JOB_TYPE_SCHEMAS);
