import { FieldError } from '@app/common';
import { checkOpenAiExecutor, CheckedOpenAiExecutor, OpenAiExecutor } from './openai/openai-executor';

export interface HttpExecutor {
  type: 'http';
  url: string;
  timeout_seconds: number;
}
export interface BuiltinExecutor {
  type: 'builtin';
  name: string;
}
export type Executor = HttpExecutor | BuiltinExecutor | OpenAiExecutor;

export const DEFAULT_AGENT_TIMEOUT_SECONDS = 30;
export const MAX_AGENT_TIMEOUT_SECONDS = 900;

/**
 * Shape check of an executor; the URL's network rules are checked by the outbound client.
 * `checkSchema` checks an openai executor's tool parameters (JsonSchemas.checkSchema).
 */
export function checkExecutor(
  value: unknown, builtinNames: string[], checkSchema: (schema: unknown, field: string) => FieldError[],
): { executor?: Executor; apiKey?: CheckedOpenAiExecutor['apiKey']; errors: FieldError[] } {
  const v = value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { errors: [{ field: 'executor', message: 'must be an object' }] };
  if (v.type === 'http') {
    const errors: FieldError[] = [];
    const extra = Object.keys(v).filter((k) => !['type', 'url', 'timeout_seconds'].includes(k));
    extra.forEach((k) => errors.push({ field: `executor.${k}`, message: 'is not a known executor field' }));
    if (typeof v.url !== 'string' || !/^https?:\/\//i.test(v.url) || !URL.canParse(v.url)) errors.push({ field: 'executor.url', message: 'must be an http(s) URL' });
    const timeout = v.timeout_seconds ?? DEFAULT_AGENT_TIMEOUT_SECONDS;
    if (!Number.isInteger(timeout) || (timeout as number) < 1 || (timeout as number) > MAX_AGENT_TIMEOUT_SECONDS) errors.push({ field: 'executor.timeout_seconds', message: `must be an integer from 1 to ${MAX_AGENT_TIMEOUT_SECONDS}` });
    return errors.length ? { errors } : { executor: { type: 'http', url: v.url as string, timeout_seconds: timeout as number }, errors };
  }
  if (v.type === 'builtin') {
    const extra = Object.keys(v).filter((k) => !['type', 'name'].includes(k));
    if (extra.length) return { errors: extra.map((k) => ({ field: `executor.${k}`, message: 'is not a known executor field' })) };
    if (typeof v.name !== 'string' || !builtinNames.includes(v.name)) {
      return { errors: [{ field: 'executor.name', message: `must be one of: ${builtinNames.join(', ')}` }] };
    }
    return { executor: { type: 'builtin', name: v.name }, errors: [] };
  }
  if (v.type === 'openai') return checkOpenAiExecutor(v, checkSchema);
  return { errors: [{ field: 'executor.type', message: 'must be "http", "builtin" or "openai"' }] };
}
