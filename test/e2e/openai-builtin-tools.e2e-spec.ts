import { jobsApi } from '../support/jobs';
import { ChatRequest, createOpenAiJobType, OpenAiServer, startOpenAiServer } from '../support/openai-server';
import { SlackServer, startSlackServer } from '../support/slack-server';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

type Auth = Record<string, string>;

/** The builtin tools of openai executors (they act for the job's org only), and a model's report posted to Slack. */
describe('openai executor: builtin tools', () => {
  let t: TestApp;
  let model: OpenAiServer;
  let slack: SlackServer;

  beforeAll(async () => {
    [model, slack] = await Promise.all([startOpenAiServer(), startSlackServer()]);
    t = await startTestApp({ env: { SLACK_API_URL: `${slack.url}/api/` } });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([model?.close(), slack?.close()]);
  });

  const { orgWithToken, createJob, getJob, waitForStatus, transitions } = jobsApi(() => t, { orgLabel: 'oai-tools', channelCode: 'COAITOOLS' });
  const createEcho = async (auth: Auth) =>
    expect((await t.http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
  /** The tool results the model was sent in request `req`, by tool_call_id, parsed. */
  const toolResults = (req: ChatRequest) =>
    Object.fromEntries(req.body.messages.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, JSON.parse(m.content!)]));

  it("list_jobs and get_job see the job's own org only, whatever the model asks for", async () => {
    const a = await orgWithToken();
    const b = await orgWithToken();
    await Promise.all([createEcho(a.auth), createEcho(b.auth)]);
    const mine = await createJob(a.auth, a.org, 'echo', { params: { who: 'a' }, callback_url: 'http://127.0.0.1:9/hook?token=secret' });
    const theirs = await createJob(b.auth, b.org, 'echo', { params: { who: 'b' } });
    await Promise.all([waitForStatus(a.auth, mine.job_id, ['COMPLETED']), waitForStatus(b.auth, theirs.job_id, ['COMPLETED'])]);

    const script = model.script(
      { tool_calls: [
        { id: 'list', name: 'list_jobs', arguments: {} },
        { id: 'other', name: 'get_job', arguments: { job_id: theirs.job_id } },
        { id: 'own', name: 'get_job', arguments: { job_id: mine.job_id } },
      ] },
      { text: 'Seen.' },
    );
    const jt = await createOpenAiJobType(t, a.auth, { id: 'inspector', script, executor: { tools: [{ type: 'builtin', name: 'list_jobs' }, { type: 'builtin', name: 'get_job' }] } });
    const job = await waitForStatus(a.auth, (await createJob(a.auth, a.org, jt.id)).job_id, ['COMPLETED', 'FAILED']);
    expect(job.job_status).toBe('COMPLETED');

    const sent = script.requests[0].body.tools!.map((x) => x.function);
    expect(sent.map((f) => f.name)).toEqual(['list_jobs', 'get_job']);
    expect(sent[1].parameters).toMatchObject({ type: 'object', required: ['job_id'] });
    const results = toolResults(script.requests[1]);
    const listed = (results.list.jobs as Array<{ job_id: string }>).map((j) => j.job_id);
    expect(listed).toEqual(expect.arrayContaining([mine.job_id, job.job_id]));
    expect(listed).not.toContain(theirs.job_id);
    expect(results.list.total).toBe(listed.length);
    expect(results.other).toEqual({ error: { code: 'FORBIDDEN', message: expect.stringContaining('another org') } });
    expect(results.own).toMatchObject({ job_id: mine.job_id, org_id: a.org, result: { who: 'a' } });
    expect(results.own).not.toHaveProperty('callback_url'); // the API shows it; the model does not get it
    expect((await getJob(a.auth, mine.job_id)).callback_url).toBe('http://127.0.0.1:9/hook?token=secret');
    expect(job.result.tool_calls.map((c: { error_code: string | null }) => c.error_code)).toEqual([null, 'FORBIDDEN', null]);
  });

  it('create_subjob makes a real subjob of the running job (same channel, created by its task); a bad one is an error result', async () => {
    const { org, auth } = await orgWithToken();
    await createEcho(auth);
    const script = model.script(
      { tool_calls: [
        { id: 'sub', name: 'create_subjob', arguments: { job_type_id: 'echo', params: { step: 1 }, metadata: { from: 'model' } } },
        { id: 'missing', name: 'create_subjob', arguments: { job_type_id: 'no-such-type' } },
      ] },
      { text: 'Delegated.' },
    );
    const jt = await createOpenAiJobType(t, auth, { id: 'delegator', script, executor: { tools: [{ type: 'builtin', name: 'create_subjob' }] } });
    const parent = await createJob(auth, org, jt.id);
    const done = await waitForStatus(auth, parent.job_id, ['COMPLETED', 'FAILED']);
    expect(done.job_status).toBe('COMPLETED');

    const results = toolResults(script.requests[1]);
    expect(results.missing).toEqual({ error: { code: 'JOB_TYPE_NOT_FOUND', message: expect.stringContaining('no-such-type') } });
    expect(results.sub).toMatchObject({ job_id: expect.stringMatching(/^job_/), parent_job_id: parent.job_id });
    expect(done.subjobs).toEqual([results.sub.job_id]);
    const sub = await waitForStatus(auth, results.sub.job_id, ['COMPLETED', 'FAILED']);
    expect(sub).toMatchObject({
      job_status: 'COMPLETED', parent_job_id: parent.job_id, params: { step: 1 }, metadata: { from: 'model' }, result: { step: 1 },
      target_channel: { org_id: org, platform: 'slack', code: 'COAITOOLS' },
    });
    expect((await transitions(auth, sub.job_id))[0]).toMatchObject({ to: 'WAITING', actor: `task:${parent.tasks[0].task_id}` });
  });

  it("posts a model's report to Slack: jobs_report as a tool, the answer as JSON with a text (output_schema)", async () => {
    const org = newOrg('oai-slack');
    const admin = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    slack.addToken(`xoxb-${org}`, { team_id: 'TOAI', team_name: `team-${org}` });
    expect((await t.http().put('/services/integrations/slack').set(admin).send({ bot_token: `xoxb-${org}` })).status).toBe(200);
    await createEcho(admin);
    await waitForStatus(admin, (await createJob(admin, org, 'echo')).job_id, ['COMPLETED']);

    const script = model.script(
      { tool_calls: [{ id: 'r', name: 'jobs_report', arguments: { window_hours: 24 } }] },
      (req) => {
        const report = toolResults(req).r as { total: number; by_status: { COMPLETED: number } };
        return { json: { text: `Good morning! ${report.total} job(s) yesterday, ${report.by_status.COMPLETED} completed.` } };
      },
    );
    const jt = await createOpenAiJobType(t, admin, {
      id: 'model-report', script, output_schema: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
      executor: { system_prompt: 'Write the daily report for the team.', tools: [{ type: 'builtin', name: 'jobs_report' }] },
    });
    const created = await createJob(admin, org, jt.id, { target_channel: { org_id: org, platform: 'slack', code: 'CREPORT' } });
    const job = await eventually(async () => {
      const j = await getJob(admin, created.job_id);
      return j.delivery?.status === 'DELIVERED' && j;
    });

    expect(job.result).toEqual({ text: 'Good morning! 1 job(s) yesterday, 1 completed.' });
    const [msg] = slack.messagesIn('CREPORT');
    expect(msg.text).toContain('Good morning! 1 job(s) yesterday, 1 completed.');
    expect(msg.token).toBe(`xoxb-${org}`);
  });
});
