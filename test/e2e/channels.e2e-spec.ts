import { createEchoJobType, echoTenant } from '../support/jobs';
import { expectProblem } from '../support/problem';
import { bearer, inAnHour, newOrg, startTestApp, TestApp } from '../support/test-app';

type Auth = Record<string, string>;

/** Channels are upserted from jobs' target_channel; validated per platform; listed per org. */
describe('channels', () => {
  let t: TestApp;
  let org: string;
  let write: Auth;
  let read: Auth;

  beforeAll(async () => {
    // The production SSRF rules: private, loopback and metadata addresses are refused.
    t = await startTestApp({ env: { OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' } });
    org = newOrg('channels');
    write = bearer(await t.token(org, { SERVICES: 'WRITE' }));
    read = bearer(await t.token(org, { SERVICES: 'READ' }));
    await createEchoJobType(t, write);
  });
  afterAll(async () => { await t?.close(); });

  /** A scheduled job (it never runs during the test) to the given channel. */
  const postJob = (auth: Auth, orgId: string, target: Record<string, unknown>) =>
    t.http().post('/services/agent-jobs').set(auth).send({ target_channel: { org_id: orgId, ...target }, job_type_id: 'echo', scheduled_at: inAnHour() });

  const channelCount = async (orgId: string) => Number((await t.db.query(`SELECT count(*) AS n FROM channels WHERE org_id = $1`, [orgId])).rows[0].n);
  const jobCount = async (orgId: string) => Number((await t.db.query(`SELECT count(*) AS n FROM jobs WHERE org_id = $1`, [orgId])).rows[0].n);

  describe('upsert, list and get', () => {
    let listOrg: string;
    let auth: Auth;
    beforeAll(async () => {
      ({ org: listOrg, auth } = await echoTenant(t, 'list'));
      for (const code of ['C0AAA1', 'G0BBB2', 'D0CCC3']) expect((await postJob(auth, listOrg, { platform: 'slack', type: 'channel', code })).status).toBe(201);
      // The same channel again, with new data: still one row, data updated.
      expect((await postJob(auth, listOrg, { platform: 'slack', type: 'channel', code: 'C0AAA1', data: { purpose: 'alerts' } })).status).toBe(201);
    });

    it('lists the org\'s channels with meta {org_id, limit, offset, total}', async () => {
      const res = await t.http().get('/services/channels').set(auth);
      expect(res.status).toBe(200);
      expect(res.body.meta).toEqual({ org_id: listOrg, limit: 20, offset: 0, total: 3 });
      expect(res.body.data.map((c: { code: string }) => c.code)).toEqual(['C0AAA1', 'G0BBB2', 'D0CCC3']);
      expect(res.body.data[0]).toEqual({
        id: expect.stringMatching(/^chn_[0-9a-z]{26}$/), org_id: listOrg, platform: 'slack', type: 'channel', code: 'C0AAA1',
        data: { purpose: 'alerts' }, created_at: expect.any(String), updated_at: expect.any(String),
      });
      expect(Date.parse(res.body.data[0].updated_at)).toBeGreaterThan(Date.parse(res.body.data[0].created_at));
    });

    it('pages with limit and offset', async () => {
      const first = await t.http().get('/services/channels?limit=2').set(auth);
      expect(first.body.meta).toEqual({ org_id: listOrg, limit: 2, offset: 0, total: 3 });
      expect(first.body.data.map((c: { code: string }) => c.code)).toEqual(['C0AAA1', 'G0BBB2']);
      const second = await t.http().get('/services/channels?limit=2&offset=2').set(auth);
      expect(second.body.meta).toEqual({ org_id: listOrg, limit: 2, offset: 2, total: 3 });
      expect(second.body.data.map((c: { code: string }) => c.code)).toEqual(['D0CCC3']);
    });

    it.each([['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=abc', 'limit'], ['offset=-1', 'offset'], ['limit=1&limit=2', 'limit']])(
      'answers 400 for %s', async (query, field) => {
        const res = await t.http().get(`/services/channels?${query}`).set(auth);
        expectProblem(res, 400, 'VALIDATION_ERROR');
        expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
      },
    );

    it('gets one channel (READ); 404 unknown; 403 another org\'s; 401 without a token', async () => {
      const [first] = (await t.http().get('/services/channels').set(auth)).body.data;
      const readToken = bearer(await t.token(listOrg, { SERVICES: 'READ' }));
      const res = await t.http().get(`/services/channels/${first.id}`).set(readToken);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: first, meta: { org_id: listOrg, id: first.id } });

      expectProblem(await t.http().get('/services/channels/chn_01jzzzzzzzzzzzzzzzzzzzzzzz').set(auth), 404, 'CHANNEL_NOT_FOUND');
      expectProblem(await t.http().get('/services/channels/not-an-id').set(auth), 404, 'CHANNEL_NOT_FOUND');
      const other = await t.http().get(`/services/channels/${first.id}`).set(read);
      expectProblem(other, 403, 'FORBIDDEN');
      expect(JSON.stringify(other.body)).not.toContain('C0AAA1');
      expect((await t.http().get('/services/channels')).status).toBe(401);
      expect((await t.http().get(`/services/channels/${first.id}`)).status).toBe(401);
    });

    it('never lists another org\'s channels', async () => {
      const res = await t.http().get('/services/channels').set(read);
      expect(res.body.meta.org_id).toBe(org);
      expect(res.body.data.map((c: { org_id: string }) => c.org_id).filter((o: string) => o !== org)).toEqual([]);
      expect(JSON.stringify(res.body)).not.toContain(listOrg);
    });
  });

  describe('validation per platform', () => {
    it.each(['general', 'c0abc123', 'C-EXEC', 'X0ABC', 'C1', 'C0ABC 1'])('slack: refuses code %j with 400 VALIDATION_ERROR on target_channel.code', async (code) => {
      const jobsBefore = await jobCount(org);
      const res = await postJob(write, org, { platform: 'slack', code });
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors).toEqual([{ field: 'target_channel.code', message: expect.any(String) }]);
      expect(await jobCount(org)).toBe(jobsBefore);
    });

    it.each([
      ['no data', undefined],
      ['no url', { secret: 'x' }],
      ['a url that is not a string', { url: 42 }],
      ['an empty url', { url: '' }],
    ])('webhook: %s is 400 VALIDATION_ERROR on target_channel.data.url', async (_label, data) => {
      const res = await postJob(write, org, { platform: 'webhook', code: 'hooks', ...(data ? { data } : {}) });
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors).toEqual([{ field: 'target_channel.data.url', message: expect.any(String) }]);
    });

    it.each([
      'http://127.0.0.1:8080/hook', 'http://169.254.169.254/latest/meta-data', 'http://localhost/hook', 'http://10.1.2.3/hook',
      'http://[::1]/hook', 'ftp://93.184.215.14/hook', 'http://user:pw@93.184.215.14/hook', 'not a url',
    ])('webhook: refuses %s with 400 OUTBOUND_URL_REFUSED on target_channel.data.url', async (url) => {
      const channelsBefore = await channelCount(org);
      const res = await postJob(write, org, { platform: 'webhook', code: 'hooks', data: { url } });
      expectProblem(res, 400, 'OUTBOUND_URL_REFUSED');
      expect(res.body.errors).toEqual([{ field: 'target_channel.data.url', message: expect.any(String) }]);
      expect(await channelCount(org)).toBe(channelsBefore);
    });

    it('webhook: accepts a public URL and stores the channel', async () => {
      const res = await postJob(write, org, { platform: 'webhook', code: 'public-hook', data: { url: 'https://93.184.215.14/hooks/results' } });
      expect(res.status).toBe(201);
      const list = (await t.http().get('/services/channels?limit=100').set(read)).body.data;
      expect(list).toEqual(expect.arrayContaining([expect.objectContaining({ platform: 'webhook', code: 'public-hook', data: { url: 'https://93.184.215.14/hooks/results' } })]));
    });

    it('slack: accepts C, G and D ids', async () => {
      for (const code of ['C0123ABCD', 'G0PRIVATE1', 'D0DM42']) expect((await postJob(write, org, { platform: 'slack', code })).status).toBe(201);
    });
  });
});
