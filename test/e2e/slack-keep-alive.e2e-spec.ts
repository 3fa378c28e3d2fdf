import { createEchoJobType } from '../support/jobs';
import { SlackServer, startSlackServer } from '../support/slack-server';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

const IN_FLIGHT = 4;
const JOBS = 40;

/**
 * Slack calls ride a keep-alive pool: a worker opens at most DELIVERY_CONCURRENCY sockets to
 * Slack and reuses them, instead of a connection (and a TLS handshake, against the real Slack)
 * per post.
 */
describe('Slack delivery over kept-alive connections', () => {
  let slack: SlackServer;
  let t: TestApp;
  let org: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    slack = await startSlackServer();
    t = await startTestApp({ env: { SLACK_API_URL: `${slack.url}/api/`, DELIVERY_CONCURRENCY: String(IN_FLIGHT) } });
    org = newOrg('slack-keepalive');
    auth = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    slack.addToken(`xoxb-${org}`, { team_id: 'TKEEP', team_name: 'keep-alive' });
    await createEchoJobType(t, auth);
    expect((await t.http().put('/services/integrations/slack').set(auth).send({ bot_token: `xoxb-${org}` })).status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await slack?.close();
  });

  it(`${JOBS} posts go out over at most ${IN_FLIGHT} connections (plus the one auth.test used)`, async () => {
    const before = slack.connections;
    const created = await Promise.all(Array.from({ length: JOBS }, async (_, i) => {
      const res = await t.http().post('/services/agent-jobs').set(auth)
        .send({ target_channel: { org_id: org, platform: 'slack', code: 'C0KEEPALIVE' }, job_type_id: 'echo', params: { i } });
      expect(res.status).toBe(201);
      return res.body.data.job_id as string;
    }));
    await eventually(async () => slack.messagesIn('C0KEEPALIVE').length >= JOBS || undefined, 30_000, 100);
    for (const id of created) {
      const job = (await t.http().get(`/services/agent-jobs/${id}`).set(auth)).body.data;
      expect(job.delivery).toEqual(expect.objectContaining({ status: 'DELIVERED', attempts: 1 }));
    }
    expect(slack.messagesIn('C0KEEPALIVE')).toHaveLength(JOBS);
    expect(slack.connections - before).toBeLessThanOrEqual(IN_FLIGHT + 1);
  });
});
