import { createEchoJobType } from '../support/jobs';
import { SlackServer, startSlackServer } from '../support/slack-server';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * Crash dedupe needs the history scopes: PUT /services/integrations/slack checks the token's
 * scopes (auth.test's x-oauth-scopes) and says whether delivery is exactly once or falls back
 * to at least once; the fake Slack answers `missing_scope` as Slack does.
 */
describe('Slack token scopes and crash dedupe', () => {
  let slack: SlackServer;
  let t: TestApp;
  let channelSeq = 0;
  const newChannel = () => `C0SCOPE${String(++channelSeq).padStart(3, '0')}`;
  const ALL = ['chat:write', 'channels:history', 'groups:history'];

  beforeAll(async () => {
    slack = await startSlackServer();
    t = await startTestApp({ env: { SLACK_API_URL: `${slack.url}/api/`, DELIVERY_BACKOFF_BASE_MS: '100' } });
  });
  afterAll(async () => {
    await t?.close();
    await slack?.close();
  });

  async function orgWithToken(scopes: string[] | undefined) {
    const org = newOrg('scopes');
    const admin = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    const botToken = `xoxb-${org}`;
    slack.addToken(botToken, { team_id: 'T0SCOPES', team_name: 'Scopes', ...(scopes ? { scopes } : {}) });
    await createEchoJobType(t, admin);
    const put = await t.http().put('/services/integrations/slack').set(admin).send({ bot_token: botToken });
    return { org, admin, put };
  }

  it.each([
    [ALL, 'exactly_once', []],
    [['chat:write', 'channels:history'], 'at_least_once', ['groups:history']],
    [['chat:write'], 'at_least_once', ['channels:history', 'groups:history']],
    [undefined, null, []],
  ] as const)('a token with %j is accepted: dedupe %s, missing %j (PUT and GET)', async (scopes, dedupe, missing) => {
    const { admin, put } = await orgWithToken(scopes as string[] | undefined);
    expect(put.status).toBe(200);
    const expected = { configured: true, source: 'org', team_id: 'T0SCOPES', team_name: 'Scopes', dedupe, missing_scopes: missing };
    expect(put.body.data).toEqual(expected);
    expect((await t.http().get('/services/integrations/slack').set(admin)).body.data).toEqual(expected);
  });

  async function crashOnce(scopes: string[]) {
    const { org, admin, put } = await orgWithToken(scopes);
    expect(put.status).toBe(200);
    const channel = newChannel();
    slack.script(channel, 'crash');
    const res = await t.http().post('/services/agent-jobs').set(admin)
      .send({ target_channel: { org_id: org, platform: 'slack', code: channel }, job_type_id: 'echo', params: { n: 1 } });
    expect(res.status).toBe(201);
    const job = await eventually(async () => {
      const j = (await t.http().get(`/services/agent-jobs/${res.body.data.job_id}`).set(admin)).body.data;
      return j.delivery?.status === 'DELIVERED' && j;
    });
    return { put, channel, job };
  }

  it('at_least_once is what happens: after a dropped connection, a token without history scopes posts again', async () => {
    const { put, channel, job } = await crashOnce(['chat:write']);
    expect(put.body.data.dedupe).toBe('at_least_once');
    expect(slack.callsOf('conversations.history', channel).map((c) => c.outcome)).toEqual(['missing_scope']);
    expect(slack.messagesIn(channel)).toHaveLength(2);
    expect(job.delivery).toMatchObject({ status: 'DELIVERED', attempts: 2 });
  });

  it('exactly_once is what happens: with the history scopes the retry finds the message and posts nothing', async () => {
    const { put, channel, job } = await crashOnce(ALL);
    expect(put.body.data.dedupe).toBe('exactly_once');
    expect(slack.callsOf('conversations.history', channel).map((c) => c.outcome)).toEqual(['ok']);
    expect(slack.messagesIn(channel)).toHaveLength(1);
    expect(job.delivery).toMatchObject({ status: 'DELIVERED', attempts: 2, ts: slack.messagesIn(channel)[0].ts });
  });

  it('still refuses a token that cannot post (no chat:write)', async () => {
    const { put } = await orgWithToken(['channels:history', 'groups:history']);
    expect(put.status).toBe(400);
    expect(put.body).toMatchObject({ code: 'SLACK_TOKEN_INVALID', detail: expect.stringContaining('chat:write') });
  });
});
