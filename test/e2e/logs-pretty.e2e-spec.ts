import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { createOpenAiJobType, OpenAiServer, startOpenAiServer } from '../support/openai-server';
import { ApiProcess, CLI_MAIN, startApiProcess } from '../support/processes';
import { bearer, createTestDatabase, eventually, newOrg, testEnv } from '../support/test-app';

const API_KEY = 'sk-logs-pretty-api-key-0123456789';

/** A pretty entry: its first line (time, level, message), then its fields, indented. */
const HEADER = /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] (ERROR|WARN|INFO|DEBUG|TRACE)( \(\w+\))?: /;

const isJsonObject = (line: string): boolean => {
  try {
    const v = JSON.parse(line);
    return typeof v === 'object' && v !== null;
  } catch {
    return false;
  }
};

/**
 * LOG_FORMAT=pretty on a real `npm start` process (API + worker): lines for a human (no JSON
 * object anywhere on stdout), the same ids as the JSON lines (a session turn's request names its
 * session), no color codes when stdout is not a terminal, and secrets still masked.
 */
describe('logs with LOG_FORMAT=pretty', () => {
  let model: OpenAiServer;
  let api: ApiProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    model = await startOpenAiServer();
    env = testEnv(await createTestDatabase(), { LOG_LEVEL: 'log', LOG_FORMAT: 'pretty' });
    api = await startApiProcess(env, { withWorker: true });
  }, 90_000);
  afterAll(async () => {
    await api?.stop();
    await model?.close();
  });

  it('writes human-readable entries, not JSON, with the ids of the API\'s and the worker\'s lines', async () => {
    const http = () => request(api.url);
    const org = newOrg('logs-pretty');
    const cli = await promisify(execFile)(process.execPath, [CLI_MAIN, 'token', 'create', '--org', org, '--access', 'SERVICES:ADMIN'], { env: { ...process.env, ...env } });
    const token = JSON.parse(cli.stdout).token as string;
    const auth = bearer(token);

    const script = model.script({ text: 'Report: fine.' }, { text: 'Hello from the session.' });
    await createOpenAiJobType({ http }, auth, { id: 'pretty-ai', script, executor: { api_key: API_KEY } });
    const job = await http().post('/services/agent-jobs').set(auth).send({ job_type_id: 'pretty-ai', target_channel: { org_id: org, platform: 'slack', code: 'C0PRETTY1' } });
    expect(job.status).toBe(201);
    const jobId = job.body.data.job_id as string;
    await eventually(async () => (await http().get(`/services/agent-jobs/${jobId}`).set(auth)).body.data.job_status === 'COMPLETED', 20_000);
    const chat = await http().post('/services/sessions/chat').set(auth).set('X-Request-Id', 'logs-pretty-chat-1').send({ agent_type: 'pretty-ai', message: 'hi' });
    expect(chat.status).toBe(200);
    const sessionId = chat.body.meta.session_id as string;

    await api.stop(); // flushes the log
    const out = api.stdout;
    const lines = out.split('\n').filter((l) => l.trim());
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.filter(isJsonObject)).toEqual([]);
    // Piped, not a terminal: no ANSI color codes in a file or a log shipper.
    expect(out).not.toContain('\u001b[');

    // Entries: a header line, then its fields indented.
    const entries: string[][] = [];
    for (const line of lines) {
      if (HEADER.test(line)) entries.push([line]);
      else if (/^\s/.test(line) && entries.length) entries[entries.length - 1].push(line);
      else throw new Error(`neither an entry's first line nor one of its fields: ${line}`);
    }
    const field = (entry: string[], name: string) => entry.find((l) => l.trimStart().startsWith(`${name}: `))?.trim();
    const chatLine = entries.find((e) => /request completed/.test(e[0]) && field(e, 'req_id') === 'req_id: "logs-pretty-chat-1"');
    expect(chatLine).toBeDefined();
    expect(chatLine![0]).toMatch(/^\[[\d:.]+\] INFO/);
    expect({ org: field(chatLine!, 'org_id'), session: field(chatLine!, 'session_id') })
      .toEqual({ org: `org_id: "${org}"`, session: `session_id: "${sessionId}"` });
    // The worker's line about the job's task, in the same form.
    const taskLine = entries.find((e) => field(e, 'job_id') === `job_id: "${jobId}"` && field(e, 'context') === 'context: "TaskRunnerService"');
    expect(taskLine?.[0]).toMatch(/completed/);
    expect(field(taskLine!, 'org_id')).toBe(`org_id: "${org}"`);

    // Masking happens before the pretty printer: no secret of this run in stdout or stderr.
    for (const secret of [token, API_KEY]) expect(out + api.stderr).not.toContain(secret);
  });
});
