import { LoggerService } from '@nestjs/common';
import type { Response } from 'supertest';
import { jobsApi } from '../support/jobs';
import { createOpenAiJobType, OpenAiServer, startOpenAiServer } from '../support/openai-server';
import { startTestApp, TestApp } from '../support/test-app';
import { startToolServer, ToolServer } from '../support/tool-server';

/** Every log line of the app at every level, and whatever reaches stdout/stderr meanwhile. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private readonly add = (level: string) => (message: unknown, ...rest: unknown[]) => {
    this.lines.push(`${level} ${[message, ...rest].map((x) => (x instanceof Error ? `${x.message} ${x.stack}` : typeof x === 'string' ? x : JSON.stringify(x))).join(' ')}`);
  };
  log = this.add('log');
  error = this.add('error');
  warn = this.add('warn');
  debug = this.add('debug');
  verbose = this.add('verbose');
  fatal = this.add('fatal');
}

/** The api_key is write-only: used as the Bearer token of model calls, and nowhere else. */
describe('openai executor: the api_key never leaks', () => {
  let t: TestApp;
  let model: OpenAiServer;
  let tools: ToolServer;
  const logger = new CapturingLogger();
  const printed: string[] = [];
  const writes = { out: process.stdout.write, err: process.stderr.write };

  beforeAll(async () => {
    for (const [stream, key] of [[process.stdout, 'out'], [process.stderr, 'err']] as const) {
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        printed.push(String(chunk));
        return (writes[key] as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
      }) as typeof stream.write;
    }
    [t, model, tools] = await Promise.all([startTestApp({ logger, env: { LOG_LEVEL: 'verbose' } }), startOpenAiServer(), startToolServer()]);
  });
  afterAll(async () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    await Promise.all([model?.close(), tools?.close()]);
    await t?.close();
  });

  const { orgWithToken, createJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'oai-key', channelCode: 'COAIKEY' });
  const FIRST = 'sk-first-4f1c9e0a7b2d4e6f8a1b3c5d';
  const SECOND = 'sk-second-9d8c7b6a5f4e3d2c1b0a9f8e';

  it('is sent as the Bearer token only; no answer, log line or tool call carries it, even when the server echoes it', async () => {
    const { org, auth } = await orgWithToken();
    const bodies: string[] = [];
    const keep = (res: Response) => {
      bodies.push(res.text);
      return res;
    };
    const tool = tools.endpoint('echo');
    // A careless server that echoes the credentials it got in its error.
    const script = model.script(
      (req) => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${req.headers.authorization}` } } }),
      { tool_calls: [{ id: 'c1', name: 'lookup', arguments: {} }] },
      { text: 'done' },
    );
    const jt = await createOpenAiJobType(t, auth, {
      id: 'secret-keeper', script, default_config: { max_task_retries: 0 },
      executor: { api_key: FIRST, tools: [{ type: 'http', name: 'lookup', description: 'Look up', parameters: { type: 'object' }, url: tool.url }] },
    });
    tools.setSecret(tool.path, jt.signing_secret);
    bodies.push(JSON.stringify(jt.body));

    const failed = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);
    expect(failed.error).toEqual({ code: 'MODEL_AUTH_FAILED', message: 'the model server at ' + new URL(script.baseUrl).host + ' answered HTTP 401: Incorrect API key provided: Bearer [redacted]' });
    expect(script.requests[0].headers.authorization).toBe(`Bearer ${FIRST}`);

    keep(await t.http().patch(`/services/job-types/${jt.id}`).set(auth).send({
      executor: { type: 'openai', base_url: script.baseUrl, model: 'm', api_key: SECOND, tools: [{ type: 'http', name: 'lookup', description: 'Look up', parameters: { type: 'object' }, url: tool.url }] },
    }));
    const ok = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);
    expect(ok.job_status).toBe('COMPLETED');
    expect(script.requests.slice(1).map((r) => r.headers.authorization)).toEqual([`Bearer ${SECOND}`, `Bearer ${SECOND}`]);

    for (const path of [`/services/agent-jobs/${failed.job_id}`, `/services/agent-jobs/${ok.job_id}`, '/services/agent-jobs', `/services/agent-jobs/${failed.job_id}/events`,
      `/services/job-types/${jt.id}`, '/services/job-types']) {
      expect(keep(await t.http().get(path).set(auth)).status).toBe(200);
    }
    const [toolCall] = tools.forPath(tool.path);
    expect(toolCall.verified).toBe(true);

    const everything = [...bodies, ...logger.lines, ...printed, JSON.stringify(toolCall.headers), toolCall.rawBody];
    expect(logger.lines.length).toBeGreaterThan(0); // the capture is live: the app did log
    for (const key of [FIRST, SECOND]) expect(everything.filter((text) => text.includes(key))).toEqual([]);
  });
});
