import { createHttpJobType, startAgentServer, AgentServer } from '../support/agent-server';
import { expectProblem } from '../support/problem';
import { SlackServer, startSlackServer } from '../support/slack-server';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

type Auth = Record<string, string>;
interface Delivery { status: string; platform: string; channel: string; ts: string | null; attempts: number; error: { code: string; message: string } | null }
interface JobEvent { from: string | null; to: string; actor: string; reason: string | null; task_id: string | null }
/** GET /services/integrations/slack of an org without any token (dedupe: see slack-scopes.e2e-spec.ts). */
const NONE = { configured: false, source: null, team_id: null, team_name: null, dedupe: null, missing_scopes: [] };

describe('Slack delivery', () => {
  let slack: SlackServer;
  let agent: AgentServer;
  let t: TestApp;
  let channelSeq = 0;
  /** A fresh Slack channel id per test, so scripts and records never mix. */
  const newChannel = () => `C0TEST${String(++channelSeq).padStart(3, '0')}`;

  beforeAll(async () => {
    [slack, agent] = await Promise.all([startSlackServer(), startAgentServer()]);
    t = await startTestApp({ env: { SLACK_API_URL: `${slack.url}/api/`, DELIVERY_BACKOFF_BASE_MS: '200' } });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([slack?.close(), agent?.close()]);
  });

  /** An org with an ADMIN token, the echo job type and its own Slack bot token (known to the Slack server). */
  async function orgWithSlack(label = 'slack') {
    const org = newOrg(label);
    const admin = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    const botToken = `xoxb-${org}`;
    slack.addToken(botToken, { team_id: `T${org.slice(-8).toUpperCase()}`, team_name: `team-${org}` });
    expect((await t.http().post('/services/job-types').set(admin).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
    const put = await t.http().put('/services/integrations/slack').set(admin).send({ bot_token: botToken });
    expect(put.status).toBe(200);
    return { org, admin, botToken };
  }

  async function createJob(auth: Auth, org: string, channel: string, extra: Record<string, unknown> = {}) {
    const res = await t.http().post('/services/agent-jobs').set(auth)
      .send({ target_channel: { org_id: org, platform: 'slack', code: channel }, job_type_id: 'echo', params: { hello: 'world' }, ...extra });
    expect(res.status).toBe(201);
    return res.body.data as { job_id: string; tasks: Array<{ task_id: string }> };
  }

  const getJob = async (auth: Auth, id: string) => (await t.http().get(`/services/agent-jobs/${id}`).set(auth)).body.data;

  /** Waits until the job's delivery is DELIVERED or FAILED, and returns the job. */
  const delivered = (auth: Auth, id: string, timeoutMs = 10_000) =>
    eventually(async () => {
      const job = await getJob(auth, id);
      return job.delivery && ['DELIVERED', 'FAILED'].includes(job.delivery.status) && job as { delivery: Delivery; tasks: Array<{ task_id: string }>; job_status: string };
    }, timeoutMs);

  async function deliveryEvents(auth: Auth, id: string): Promise<JobEvent[]> {
    const res = await t.http().get(`/services/agent-jobs/${id}/events`).set(auth);
    expect(res.status).toBe(200);
    return (res.body.data as JobEvent[]).filter((e) => e.actor === 'delivery');
  }

  it('posts a completed job to its channel: text + blocks + metadata; job.delivery DELIVERED with ts; a delivery event', async () => {
    const { org, admin, botToken } = await orgWithSlack();
    const channel = newChannel();
    const created = await createJob(admin, org, channel);
    const job = await delivered(admin, created.job_id);

    expect(job.job_status).toBe('COMPLETED');
    const posts = slack.callsOf('chat.postMessage', channel);
    expect(posts).toHaveLength(1);
    expect(posts[0].token).toBe(botToken);
    const [msg] = slack.messagesIn(channel);
    expect(msg.text).toBe('hello: world');
    expect(msg.thread_ts).toBeUndefined();
    expect(msg.blocks![0]).toEqual({ type: 'section', fields: [{ type: 'mrkdwn', text: '*hello*: world' }] });
    expect(msg.blocks![msg.blocks!.length - 1]).toMatchObject({ type: 'context' });
    expect(msg.metadata).toEqual({ event_type: 'agent_job_result', event_payload: { job_id: created.job_id, task_id: created.tasks[0].task_id } });

    expect(job.delivery).toEqual({ status: 'DELIVERED', platform: 'slack', channel, ts: msg.ts, attempts: 1, error: null });
    const events = await deliveryEvents(admin, created.job_id);
    expect(events).toEqual([expect.objectContaining({
      from: 'COMPLETED', to: 'COMPLETED', actor: 'delivery', reason: `delivered to slack ${channel} ts=${msg.ts}`, task_id: created.tasks[0].task_id,
    })]);
  });

  it('posts follow-up results as replies in the first post\'s thread, in order', async () => {
    const { org, admin } = await orgWithSlack();
    const channel = newChannel();
    const jt = await createHttpJobType(t, agent, admin, { id: 'fu', behaviour: 'follow-up', query: { count: 2 } });
    const created = await createJob(admin, org, channel, { job_type_id: jt.id, config: { max_follow_ups: 5 } });
    await delivered(admin, created.job_id);
    await eventually(async () => slack.messagesIn(channel).length === 3 && (await getJob(admin, created.job_id)).delivery.status === 'DELIVERED');

    const msgs = slack.messagesIn(channel);
    // Read again: `job` is from the first delivery, when the last follow-up may not exist yet.
    const taskIds = (await getJob(admin, created.job_id)).tasks.map((x: { task_id: string }) => x.task_id);
    expect(msgs.map((m) => m.metadata!.event_payload.task_id)).toEqual(taskIds);
    expect(msgs[0].thread_ts).toBeUndefined();
    expect(msgs[1].thread_ts).toBe(msgs[0].ts);
    expect(msgs[2].thread_ts).toBe(msgs[0].ts);
    expect(msgs.map((m) => m.text)).toEqual(['call: 1', 'call: 2', 'call: 3\nfinal: true']);
    const final = (await getJob(admin, created.job_id)).delivery;
    expect(final).toEqual({ status: 'DELIVERED', platform: 'slack', channel, ts: msgs[0].ts, attempts: 3, error: null });
    expect((await deliveryEvents(admin, created.job_id)).map((e) => e.task_id)).toEqual(taskIds);
  });

  it('waits Retry-After when rate limited, then delivers (attempts 3)', async () => {
    const { org, admin } = await orgWithSlack();
    const channel = newChannel();
    slack.script(channel, 'ratelimited', 'ratelimited');
    const created = await createJob(admin, org, channel);
    const job = await delivered(admin, created.job_id);

    const calls = slack.callsOf('chat.postMessage', channel);
    expect(calls.map((c) => c.outcome)).toEqual(['ratelimited', 'ratelimited', 'ok']);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(1000);
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(1000);
    expect(slack.messagesIn(channel)).toHaveLength(1);
    expect(job.delivery).toMatchObject({ status: 'DELIVERED', attempts: 3, ts: slack.messagesIn(channel)[0].ts, error: null });
  });

  it.each([
    ['channel_not_found', 'SLACK_CHANNEL_NOT_FOUND'],
    ['invalid_auth', 'SLACK_INVALID_AUTH'],
    ['not_in_channel', 'SLACK_NOT_IN_CHANNEL'],
  ])('%s fails the delivery (%s) after exactly one call', async (slackError, code) => {
    const { org, admin } = await orgWithSlack();
    const channel = newChannel();
    slack.script(channel, slackError);
    const created = await createJob(admin, org, channel);
    const job = await delivered(admin, created.job_id);

    expect(job.job_status).toBe('COMPLETED');
    expect(job.delivery).toEqual({ status: 'FAILED', platform: 'slack', channel, ts: null, attempts: 1, error: { code, message: expect.stringContaining(slackError) } });
    // The post is FAILED after one claim: a FAILED post is never claimed (nor sent) again.
    const { rows: posts } = await t.db.query(`SELECT status, attempts FROM channel_posts WHERE job_id = $1`, [created.job_id]);
    expect(posts).toEqual([{ status: 'FAILED', attempts: 1 }]);
    expect(slack.callsOf('chat.postMessage', channel)).toHaveLength(1);
    expect(slack.messagesIn(channel)).toHaveLength(0);
    expect(await deliveryEvents(admin, created.job_id)).toEqual([
      expect.objectContaining({ from: 'COMPLETED', to: 'COMPLETED', reason: `delivery failed: ${code}` }),
    ]);
  });

  it('never posts twice: after a dropped connection the retry finds the message with conversations.history', async () => {
    const { org, admin } = await orgWithSlack();
    const channel = newChannel();
    slack.script(channel, 'crash');
    const created = await createJob(admin, org, channel);
    const job = await delivered(admin, created.job_id);

    const msgs = slack.messagesIn(channel);
    expect(msgs).toHaveLength(1);
    expect(slack.callsOf('chat.postMessage', channel)).toHaveLength(1);
    const lookups = slack.callsOf('conversations.history', channel);
    expect(lookups.length).toBeGreaterThanOrEqual(1);
    expect(lookups[0].args).toMatchObject({ include_all_metadata: 'true' });
    expect(Number(lookups[0].args.oldest)).toBeLessThanOrEqual(Number(msgs[0].ts) - 59);
    expect(job.delivery).toEqual({ status: 'DELIVERED', platform: 'slack', channel, ts: msgs[0].ts, attempts: 2, error: null });
    const [event] = await deliveryEvents(admin, created.job_id);
    expect(event.reason).toBe(`delivered to slack ${channel} ts=${msgs[0].ts} (found after an interrupted attempt)`);
  });

  it('retries 5xx with backoff, then delivers', async () => {
    const { org, admin } = await orgWithSlack();
    const channel = newChannel();
    slack.script(channel, 'http500', 'http500');
    const created = await createJob(admin, org, channel);
    const job = await delivered(admin, created.job_id);
    // 5xx may have posted: each retry checks the channel first, then posts once.
    expect(slack.callsOf('chat.postMessage', channel).map((c) => c.outcome)).toEqual(['http500', 'http500', 'ok']);
    expect(slack.callsOf('conversations.history', channel)).toHaveLength(2);
    expect(slack.messagesIn(channel)).toHaveLength(1);
    expect(job.delivery).toMatchObject({ status: 'DELIVERED', attempts: 3 });
  });

  it('the reconciler delivers posts Redis lost, and takes over a crashed worker\'s post without re-posting', async () => {
    const { org, admin } = await orgWithSlack();
    const channel = newChannel();
    // A job that has not run: its posts below exist only in Postgres (as if Redis lost them).
    const created = await createJob(admin, org, channel, { scheduled_at: new Date(Date.now() + 3600_000).toISOString() });
    const seeded = slack.seedMessage({ channel, text: 'posted before the crash', metadata: { event_type: 'agent_job_result', event_payload: { job_id: created.job_id, task_id: 'task_crashed' } } });
    await t.db.query(
      `INSERT INTO channel_posts (task_id, job_id, org_id, seq, result, is_final, status, attempts, next_attempt_at, created_at) VALUES
       ('task_crashed', $1, $2, 1, '"first"', false, 'SENDING', 1, now() - interval '5 seconds', now() - interval '10 seconds'),
       ('task_lost', $1, $2, 2, '"second"', false, 'PENDING', 0, now() - interval '5 seconds', now() - interval '5 seconds')`,
      [created.job_id, org],
    );
    const job = await delivered(admin, created.job_id);
    await eventually(async () => (await getJob(admin, created.job_id)).delivery.status === 'DELIVERED' && slack.messagesIn(channel).length === 2);

    const msgs = slack.messagesIn(channel);
    expect(msgs[0]).toBe(seeded);
    expect(msgs[1]).toMatchObject({ text: 'second', thread_ts: seeded.ts });
    expect(slack.callsOf('chat.postMessage', channel)).toHaveLength(1);
    expect(job.job_status).toBe('SCHEDULED');
    const { rows } = await t.db.query(`SELECT task_id, status, ts FROM channel_posts WHERE job_id = $1 ORDER BY seq`, [created.job_id]);
    expect(rows).toEqual([
      { task_id: 'task_crashed', status: 'DELIVERED', ts: seeded.ts },
      { task_id: 'task_lost', status: 'DELIVERED', ts: msgs[1].ts },
    ]);
    expect((await deliveryEvents(admin, created.job_id)).map((e) => [e.from, e.to])).toEqual([['SCHEDULED', 'SCHEDULED'], ['SCHEDULED', 'SCHEDULED']]);
  });

  describe('the org\'s Slack bot token', () => {
    it('is set with ADMIN (WRITE gets 403), verified with auth.test, never shown, stored encrypted', async () => {
      const org = newOrg('slack-token');
      const admin = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
      const write = bearer(await t.token(org, { SERVICES: 'WRITE' }));
      const read = bearer(await t.token(org, { SERVICES: 'READ' }));
      const botToken = `xoxb-${org}-secret`;
      slack.addToken(botToken, { team_id: 'T0TOKEN', team_name: 'Token Team', scopes: ['chat:write', 'channels:history', 'groups:history'] });

      expect((await t.http().get('/services/integrations/slack').set(read)).body).toEqual({
        data: { ...NONE }, meta: { org_id: org },
      });
      expectProblem(await t.http().put('/services/integrations/slack').set(write).send({ bot_token: botToken }), 403, 'INSUFFICIENT_ACCESS');
      expectProblem(await t.http().put('/services/integrations/slack').set(admin).send({ bot_token: 'xoxb-not-known-to-slack' }), 400, 'SLACK_TOKEN_INVALID');
      expectProblem(await t.http().put('/services/integrations/slack').set(admin).send({ bot_token: 'hello' }), 400, 'VALIDATION_ERROR');
      expectProblem(await t.http().put('/services/integrations/slack').set(admin).send({ bot_token: botToken, extra: 1 }), 400, 'VALIDATION_ERROR');
      expectProblem(await t.http().put('/services/integrations/slack').set(admin).send({}), 400, 'VALIDATION_ERROR');
      // A token without chat:write could never post.
      slack.addToken(`${botToken}-readonly`, { team_id: 'T0TOKEN', team_name: 'Token Team', scopes: ['channels:history'] });
      const noScope = await t.http().put('/services/integrations/slack').set(admin).send({ bot_token: `${botToken}-readonly` });
      expectProblem(noScope, 400, 'SLACK_TOKEN_INVALID');
      expect(noScope.body.detail).toMatch(/chat:write/);

      const put = await t.http().put('/services/integrations/slack').set(admin).send({ bot_token: botToken });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ data: { configured: true, source: 'org', team_id: 'T0TOKEN', team_name: 'Token Team', dedupe: 'exactly_once', missing_scopes: [] }, meta: { org_id: org } });
      const get = await t.http().get('/services/integrations/slack').set(read);
      expect(get.body.data).toEqual({ configured: true, source: 'org', team_id: 'T0TOKEN', team_name: 'Token Team', dedupe: 'exactly_once', missing_scopes: [] });
      expect(JSON.stringify([put.body, get.body])).not.toContain(botToken);

      const { rows } = await t.db.query(`SELECT * FROM slack_integrations WHERE org_id = $1`, [org]);
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows[0])).not.toContain(botToken);
      expect(JSON.stringify(rows[0])).not.toContain(Buffer.from(botToken).toString('base64'));
      expect(rows[0].bot_token_ciphertext).toMatch(/^v1\./);

      expectProblem(await t.http().delete('/services/integrations/slack').set(write), 403, 'INSUFFICIENT_ACCESS');
      const del = await t.http().delete('/services/integrations/slack').set(admin);
      expect(del.status).toBe(200);
      expect(del.body.data).toEqual(NONE);
      expectProblem(await t.http().delete('/services/integrations/slack').set(admin), 404, 'SLACK_INTEGRATION_NOT_FOUND');
    });

    it('without any token the delivery fails with SLACK_NOT_CONFIGURED and Slack is never called', async () => {
      const org = newOrg('no-slack');
      const auth = bearer(await t.token(org, { SERVICES: 'WRITE' }));
      expect((await t.http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
      const channel = newChannel();
      const created = await createJob(auth, org, channel);
      const job = await delivered(auth, created.job_id);
      expect(job.delivery).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'SLACK_NOT_CONFIGURED' } });
      expect(slack.calls.filter((c) => c.args.channel === channel)).toHaveLength(0);
    });

    it('is the org\'s own: org B never sees or removes org A\'s integration or channels', async () => {
      const a = await orgWithSlack('iso-a');
      const orgB = newOrg('iso-b');
      const bAdmin = bearer(await t.token(orgB, { SERVICES: 'ADMIN' }));
      const channel = newChannel();
      await delivered(a.admin, (await createJob(a.admin, a.org, channel)).job_id);

      expect((await t.http().get('/services/integrations/slack').set(bAdmin)).body.data).toEqual(NONE);
      expectProblem(await t.http().delete('/services/integrations/slack').set(bAdmin), 404, 'SLACK_INTEGRATION_NOT_FOUND');
      expect((await t.http().get('/services/integrations/slack').set(a.admin)).body.data).toMatchObject({ configured: true, source: 'org' });

      const aChannels = (await t.http().get('/services/channels').set(a.admin)).body;
      expect(aChannels.data.map((c: { code: string }) => c.code)).toEqual([channel]);
      const bChannels = await t.http().get('/services/channels').set(bAdmin);
      expect(bChannels.body).toEqual({ data: [], meta: { org_id: orgB, limit: 20, offset: 0, total: 0 } });
      expectProblem(await t.http().get(`/services/channels/${aChannels.data[0].id}`).set(bAdmin), 403, 'FORBIDDEN');
    });
  });

  describe('with SLACK_BOT_TOKEN (single tenant)', () => {
    let single: TestApp;
    const envToken = 'xoxb-operator-env-token';
    beforeAll(async () => {
      slack.addToken(envToken, { team_id: 'T0ENV', team_name: 'Env Team' });
      single = await startTestApp({ env: { SLACK_API_URL: `${slack.url}/api/`, SLACK_BOT_TOKEN: envToken, DELIVERY_BACKOFF_BASE_MS: '200' } });
    });
    afterAll(async () => { await single?.close(); });

    it('posts with it for orgs without their own token; an org\'s own token wins', async () => {
      const org = newOrg('env');
      const admin = bearer(await single.token(org, { SERVICES: 'ADMIN' }));
      expect((await single.http().post('/services/job-types').set(admin).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
      expect((await single.http().get('/services/integrations/slack').set(admin)).body.data).toEqual({ configured: true, source: 'env', team_id: 'T0ENV', team_name: 'Env Team', dedupe: null, missing_scopes: [] });

      const run = async (channel: string) => {
        const res = await single.http().post('/services/agent-jobs').set(admin).send({ target_channel: { org_id: org, platform: 'slack', code: channel }, job_type_id: 'echo', params: { n: 1 } });
        expect(res.status).toBe(201);
        return eventually(async () => {
          const job = (await single.http().get(`/services/agent-jobs/${res.body.data.job_id}`).set(admin)).body.data;
          return job.delivery?.status === 'DELIVERED' && job;
        });
      };
      const viaEnv = newChannel();
      await run(viaEnv);
      expect(slack.callsOf('chat.postMessage', viaEnv).map((c) => c.token)).toEqual([envToken]);

      const own = `xoxb-${org}-own`;
      slack.addToken(own, { team_id: 'T0OWN', team_name: 'Own Team' });
      expect((await single.http().put('/services/integrations/slack').set(admin).send({ bot_token: own })).body.data.source).toBe('org');
      const viaOrg = newChannel();
      await run(viaOrg);
      expect(slack.callsOf('chat.postMessage', viaOrg).map((c) => c.token)).toEqual([own]);

      // Removing the org's token falls back to the operator's.
      expect((await single.http().delete('/services/integrations/slack').set(admin)).body.data).toMatchObject({ configured: true, source: 'env' });
    });
  });
});
