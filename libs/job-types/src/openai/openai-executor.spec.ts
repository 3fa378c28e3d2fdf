import { JsonSchemas } from '../json-schemas';
import { checkOpenAiExecutor, openAiExecutorUrls } from './openai-executor';

const schemas = new JsonSchemas();
const check = (v: Record<string, unknown>) => checkOpenAiExecutor({ type: 'openai', base_url: 'https://api.openai.com/v1', model: 'gpt-4o-mini', ...v }, (s, f) => schemas.checkSchema(s, f));

describe('checkOpenAiExecutor', () => {
  it('fills in the defaults and keeps the api_key apart from the stored executor', () => {
    expect(check({ api_key: 'sk-1' })).toEqual({
      executor: { type: 'openai', base_url: 'https://api.openai.com/v1', model: 'gpt-4o-mini', system_prompt: null, temperature: null, tools: [], timeout_seconds: 60 },
      apiKey: 'sk-1', errors: [],
    });
    expect(check({}).apiKey).toBeUndefined();
    expect(check({ api_key: null }).apiKey).toBeNull();
  });

  it('checks bounds: temperature 0-2, timeout_seconds 1-900, model 1-200 characters', () => {
    expect(check({ temperature: 0, timeout_seconds: 900 }).errors).toEqual([]);
    expect(check({ temperature: 2.01 }).errors.map((e) => e.field)).toEqual(['executor.temperature']);
    expect(check({ timeout_seconds: 1.5 }).errors.map((e) => e.field)).toEqual(['executor.timeout_seconds']);
    expect(check({ model: 'm'.repeat(201) }).errors.map((e) => e.field)).toEqual(['executor.model']);
  });

  it("tools: names by OpenAI's pattern and unique, builtins from the list, http tools with an object schema checked like params_schema", () => {
    const http = (name: string, parameters: object = { type: 'object' }) => ({ type: 'http', name, description: 'd', parameters, url: 'https://tools.example.com/x' });
    const ok = check({ tools: [{ type: 'builtin', name: 'jobs_report' }, http('search-1')] });
    expect(ok.errors).toEqual([]);
    expect(ok.executor!.tools[1]).toMatchObject({ name: 'search-1', timeout_seconds: 30 });
    expect(openAiExecutorUrls(ok.executor!)).toEqual([
      { field: 'executor.base_url', url: 'https://api.openai.com/v1' }, { field: 'executor.tools[1].url', url: 'https://tools.example.com/x' },
    ]);
    const bad = check({ tools: [http('a'), http('a'), http('x'.repeat(65)), http('b', { type: 'object', $ref: 'https://evil.example/s.json' }), { type: 'builtin', name: 'get_job', url: 'x' }] });
    expect(bad.errors.map((e) => e.field)).toEqual([
      'executor.tools[1].name', 'executor.tools[2].name', 'executor.tools[3].parameters', 'executor.tools[4].url',
    ]);
  });
});
