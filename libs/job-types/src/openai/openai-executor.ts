import { FieldError } from '@app/common';

/** Tools the service runs itself, for the job's org only (registered into ToolRegistry by libs/jobs). */
export const BUILTIN_TOOL_NAMES = ['list_jobs', 'get_job', 'create_subjob', 'jobs_report'] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];

export interface HttpToolSpec {
  type: 'http';
  name: string;
  description: string;
  /** A JSON Schema of type object: sent to the model, and the arguments are checked against it before the call. */
  parameters: object;
  url: string;
  timeout_seconds: number;
}

export interface BuiltinToolSpec {
  type: 'builtin';
  name: BuiltinToolName;
}

export type ToolSpec = HttpToolSpec | BuiltinToolSpec;

/** As stored in job_types.executor: the api_key is never here (sealed in its own column, JobTypeSecrets). */
export interface OpenAiExecutor {
  type: 'openai';
  base_url: string;
  model: string;
  system_prompt: string | null;
  /** Null: not sent (the server's default). */
  temperature: number | null;
  tools: ToolSpec[];
  /** Per model call. */
  timeout_seconds: number;
}

export const DEFAULT_MODEL_TIMEOUT_SECONDS = 60;
export const DEFAULT_TOOL_TIMEOUT_SECONDS = 30;
export const MAX_TOOLS = 32;
/** OpenAI's rule for function names. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const MAX_SYSTEM_PROMPT = 100_000;
export const MAX_TOOL_DESCRIPTION = 4000;
export const MAX_MODEL_TIMEOUT_SECONDS = 900;
export const MAX_TOOL_TIMEOUT_SECONDS = 300;
export const MAX_URL_LENGTH = 2048;
export const MAX_MODEL_NAME = 200;
/** Printable ASCII without spaces. */
export const API_KEY_PATTERN = /^[\x21-\x7e]{1,4096}$/;

/** `api_key`: a string to store, null to remove the stored one, undefined when not sent (a PATCH keeps the stored one). */
export interface CheckedOpenAiExecutor {
  executor?: OpenAiExecutor;
  apiKey?: string | null;
  errors: FieldError[];
}

type SchemaCheck = (schema: unknown, field: string) => FieldError[];

const isHttpUrl = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_URL_LENGTH && /^https?:\/\//i.test(v) && URL.canParse(v);
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const unknownFields = (v: Record<string, unknown>, known: string[], prefix: string): FieldError[] =>
  Object.keys(v).filter((k) => !known.includes(k)).map((k) => ({ field: `${prefix}.${k}`, message: 'is not a known field' }));
const intIn = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/**
 * Shape check of an openai executor (docs/decisions.md "openai executor"). URLs' network rules
 * are checked by the caller through the outbound client; tool parameter schemas by `checkSchema`
 * (the job types' JSON Schema rules: draft-07, RE2 patterns, no remote $ref).
 */
export function checkOpenAiExecutor(v: Record<string, unknown>, checkSchema: SchemaCheck): CheckedOpenAiExecutor {
  const errors = unknownFields(v, ['type', 'base_url', 'model', 'api_key', 'system_prompt', 'temperature', 'tools', 'timeout_seconds'], 'executor');
  if (!isHttpUrl(v.base_url)) errors.push({ field: 'executor.base_url', message: 'must be an http(s) URL (e.g. https://api.openai.com/v1)' });
  if (typeof v.model !== 'string' || v.model.length < 1 || v.model.length > MAX_MODEL_NAME) errors.push({ field: 'executor.model', message: `must be a string of 1 to ${MAX_MODEL_NAME} characters` });
  if (v.api_key !== undefined && v.api_key !== null && (typeof v.api_key !== 'string' || !API_KEY_PATTERN.test(v.api_key))) {
    errors.push({ field: 'executor.api_key', message: 'must be 1 to 4096 printable characters without spaces, or null to remove it' });
  }
  if (v.system_prompt != null && (typeof v.system_prompt !== 'string' || v.system_prompt.length > MAX_SYSTEM_PROMPT)) {
    errors.push({ field: 'executor.system_prompt', message: `must be a string of at most ${MAX_SYSTEM_PROMPT} characters, or null` });
  }
  if (v.temperature != null && (typeof v.temperature !== 'number' || !(v.temperature >= 0 && v.temperature <= 2))) {
    errors.push({ field: 'executor.temperature', message: 'must be a number from 0 to 2, or null' });
  }
  const timeout = v.timeout_seconds ?? DEFAULT_MODEL_TIMEOUT_SECONDS;
  if (!intIn(timeout, 1, MAX_MODEL_TIMEOUT_SECONDS)) errors.push({ field: 'executor.timeout_seconds', message: `must be an integer from 1 to ${MAX_MODEL_TIMEOUT_SECONDS}` });
  const tools = checkTools(v.tools ?? [], checkSchema, errors);
  if (errors.length) return { errors };
  return {
    executor: {
      type: 'openai', base_url: v.base_url as string, model: v.model as string, system_prompt: (v.system_prompt as string | undefined) ?? null,
      temperature: (v.temperature as number | undefined) ?? null, tools, timeout_seconds: timeout as number,
    },
    apiKey: v.api_key as string | null | undefined,
    errors,
  };
}

function checkTools(value: unknown, checkSchema: SchemaCheck, errors: FieldError[]): ToolSpec[] {
  if (!Array.isArray(value) || value.length > MAX_TOOLS) {
    errors.push({ field: 'executor.tools', message: `must be an array of at most ${MAX_TOOLS} tools` });
    return [];
  }
  const seen = new Set<string>();
  return value.flatMap((tool, i): ToolSpec[] => {
    const field = `executor.tools[${i}]`;
    if (!isObject(tool)) {
      errors.push({ field, message: 'must be an object' });
      return [];
    }
    const before = errors.length;
    if (typeof tool.name !== 'string' || !TOOL_NAME_PATTERN.test(tool.name)) {
      errors.push({ field: `${field}.name`, message: 'must be 1 to 64 letters, digits, "_" or "-"' });
    } else if (seen.has(tool.name)) {
      errors.push({ field: `${field}.name`, message: `"${tool.name}" is the name of another tool of this executor` });
    } else {
      seen.add(tool.name);
    }
    if (tool.type === 'builtin') {
      errors.push(...unknownFields(tool, ['type', 'name'], field));
      if (typeof tool.name === 'string' && !(BUILTIN_TOOL_NAMES as readonly string[]).includes(tool.name)) {
        errors.push({ field: `${field}.name`, message: `must be one of: ${BUILTIN_TOOL_NAMES.join(', ')}` });
      }
      return errors.length === before ? [{ type: 'builtin', name: tool.name as BuiltinToolName }] : [];
    }
    if (tool.type !== 'http') {
      errors.push({ field: `${field}.type`, message: 'must be "http" or "builtin"' });
      return [];
    }
    errors.push(...unknownFields(tool, ['type', 'name', 'description', 'parameters', 'url', 'timeout_seconds'], field));
    if (typeof tool.description !== 'string' || tool.description.length < 1 || tool.description.length > MAX_TOOL_DESCRIPTION) {
      errors.push({ field: `${field}.description`, message: `must be a string of 1 to ${MAX_TOOL_DESCRIPTION} characters` });
    }
    if (!isObject(tool.parameters) || tool.parameters.type !== 'object') {
      errors.push({ field: `${field}.parameters`, message: 'must be a JSON Schema with "type": "object"' });
    } else {
      errors.push(...checkSchema(tool.parameters, `${field}.parameters`));
    }
    if (!isHttpUrl(tool.url)) errors.push({ field: `${field}.url`, message: 'must be an http(s) URL' });
    const timeout = tool.timeout_seconds ?? DEFAULT_TOOL_TIMEOUT_SECONDS;
    if (!intIn(timeout, 1, MAX_TOOL_TIMEOUT_SECONDS)) errors.push({ field: `${field}.timeout_seconds`, message: `must be an integer from 1 to ${MAX_TOOL_TIMEOUT_SECONDS}` });
    if (errors.length !== before) return [];
    return [{
      type: 'http', name: tool.name as string, description: tool.description as string,
      parameters: tool.parameters as object, url: tool.url as string, timeout_seconds: timeout as number,
    }];
  });
}

/** Every URL of the executor the outbound rules must allow, with its field. */
export const openAiExecutorUrls = (e: OpenAiExecutor): Array<{ field: string; url: string }> => [
  { field: 'executor.base_url', url: e.base_url },
  ...e.tools.flatMap((t, i) => (t.type === 'http' ? [{ field: `executor.tools[${i}].url`, url: t.url }] : [])),
];
