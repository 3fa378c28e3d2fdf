import { DomainError } from '@app/common';
import type { SignedWebhookSender } from '@app/common/outbound';
import { JsonSchemas } from '../json-schemas';
import { buildToolBox, MAX_TOOL_RESULT_CHARS, ToolBoxDeps } from './tool-box';
import { BuiltinTool, ToolContext, ToolRegistry } from './tool-registry';

const schemas = new JsonSchemas();
const context = { org_id: 'acme', job_type_id: 'jt', job_id: 'job_1', task_id: 'task_1', session_id: null, target_channel: null };

function box(run: BuiltinTool['run'], extra: Partial<ToolBoxDeps> = {}) {
  const registry = new ToolRegistry();
  registry.register({ name: 'get_job', description: 'One job', parameters: { type: 'object', required: ['job_id'], properties: { job_id: { type: 'string' } } }, run });
  const unexpected: unknown[] = [];
  const tools = buildToolBox(
    [{ type: 'builtin', name: 'get_job' }, { type: 'builtin', name: 'list_jobs' }],
    {
      validate: (s, v, p) => schemas.validate(s, v, p), registry, sender: {} as SignedWebhookSender, signingSecrets: () => ['whsec_x'],
      context, callId: 'task_1', onUnexpected: (_tool, err) => unexpected.push(err), ...extra,
    },
  );
  return { tools, unexpected };
}
const call = (args: string, name = 'get_job') => ({ id: 'call_1', name, arguments: args });
const signal = () => new AbortController().signal;

describe('buildToolBox', () => {
  it('offers the registered tools with their schema (a builtin not registered here is left out)', () => {
    const { tools } = box(async () => null);
    expect(tools.definitions).toEqual([{ type: 'function', function: { name: 'get_job', description: 'One job', parameters: expect.objectContaining({ required: ['job_id'] }) } }]);
  });

  it('runs a valid call with the context of the running call, never the arguments, as who it acts for', async () => {
    const seen: ToolContext[] = [];
    const { tools } = box(async (args, ctx) => {
      seen.push(ctx);
      return { id: args.job_id };
    });
    const out = await tools.run(call('{"job_id": "job_9", "org_id": "other-org"}'), signal());
    expect(out).toEqual({ content: '{"id":"job_9"}', record: { tool: 'get_job', status: 'ok', duration_ms: expect.any(Number), error_code: null } });
    expect(seen[0]).toMatchObject({ org_id: 'acme', job_id: 'job_1', tool_call_id: 'call_1' });
  });

  it('answers errors the model can act on: bad JSON, a non-object, a schema misfit, an unknown tool, a domain error', async () => {
    const { tools } = box(async () => {
      throw new DomainError(403, 'FORBIDDEN', "Job 'job_9' belongs to another org");
    });
    const errorOf = async (c: ReturnType<typeof call>) => JSON.parse((await tools.run(c, signal())).content).error;
    expect(await errorOf(call('{"job_id":'))).toEqual({ code: 'INVALID_ARGUMENTS', message: 'the arguments are not valid JSON' });
    expect(await errorOf(call('[1]'))).toEqual({ code: 'INVALID_ARGUMENTS', message: 'the arguments must be a JSON object' });
    expect(await errorOf(call(''))).toEqual({ code: 'INVALID_ARGUMENTS', message: "arguments must have required property 'job_id'" });
    expect(await errorOf(call('{}', 'delete_all'))).toEqual({ code: 'UNKNOWN_TOOL', message: 'there is no tool named "delete_all"; the tools are: get_job' });
    expect(await errorOf(call('{"job_id":"job_9"}'))).toEqual({ code: 'FORBIDDEN', message: "Job 'job_9' belongs to another org" });
  });

  it('an unexpected failure is logged and told generically; an oversized result is refused', async () => {
    const { tools, unexpected } = box(async () => {
      throw new Error('connection to server at "db" failed');
    });
    const out = await tools.run(call('{"job_id":"a"}'), signal());
    expect(JSON.parse(out.content)).toEqual({ error: { code: 'TOOL_FAILED', message: 'the tool failed unexpectedly' } });
    expect(unexpected).toHaveLength(1);

    const big = box(async () => 'x'.repeat(MAX_TOOL_RESULT_CHARS));
    expect((await big.tools.run(call('{"job_id":"a"}'), signal())).record.error_code).toBe('TOOL_RESULT_TOO_LARGE');
  });

  it('rejects once aborted (the loop stops) instead of answering an error result', async () => {
    const controller = new AbortController();
    const { tools } = box(async (_args, ctx) => {
      controller.abort('canceled');
      ctx.signal.throwIfAborted();
    });
    await expect(tools.run(call('{"job_id":"a"}'), controller.signal)).rejects.toBe('canceled');
  });
});
