import { createHmac, generateKeyPairSync } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { expectProblem } from '../support/problem';
import { bearer, eventually, newOrg, startTestApp, TestApp, tokenId } from '../support/test-app';
import { TEST_JWT_SECRET } from '../support/test-env';

const ISS = 'agent-jobs';
const AUD = 'agent-jobs-api';

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** HS256 by hand, for payloads jsonwebtoken would refuse to sign. */
const rawSign = (payload: object) => {
  const body = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${body}.${createHmac('sha256', TEST_JWT_SECRET).update(body).digest('base64url')}`;
};

describe('auth', () => {
  let t: TestApp;
  let org: string;
  let otherOrg: string;
  let read: string;
  let write: string;
  let admin: string;
  let otherAdmin: string;

  beforeAll(async () => {
    t = await startTestApp();
    org = newOrg('auth');
    otherOrg = newOrg('auth-other');
    [read, write, admin, otherAdmin] = await Promise.all([
      t.token(org, { SERVICES: 'READ' }),
      t.token(org, { SERVICES: 'WRITE' }),
      t.token(org, { SERVICES: 'ADMIN' }),
      t.token(otherOrg, { SERVICES: 'ADMIN' }),
    ]);
    const jt = await t.http().post('/services/job-types').set(bearer(admin))
      .send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } });
    expect(jt.status).toBe(201);
  });
  afterAll(async () => { await t?.close(); });

  /** Signs claims the way the service does, with overrides, so each negative case differs by one thing. */
  const sign = (claims: Record<string, unknown>, opts: { secret?: string; algorithm?: jwt.Algorithm } = {}) =>
    jwt.sign({ iss: ISS, aud: AUD, ...claims }, opts.secret ?? TEST_JWT_SECRET, { algorithm: opts.algorithm ?? 'HS256' });

  const getJobs = (headers: Record<string, string> = {}) => t.http().get('/services/agent-jobs').set(headers);

  describe('401 for tokens that are not valid', () => {
    it('accepts a hand-signed token with the right claims (control for the cases below)', async () => {
      const token = sign({ sub: tokenId(read), org_id: org, scopes: { SERVICES: 'READ' } });
      const res = await getJobs(bearer(token));
      expect(res.status).toBe(200);
      expect(res.body.meta.org_id).toBe(org);
    });

    it('rejects a request without a token', async () => {
      expectProblem(await getJobs(), 401, 'UNAUTHORIZED');
      expectProblem(await t.http().post('/services/agent-jobs').send({}), 401, 'UNAUTHORIZED');
      expectProblem(await t.http().get('/services/tokens'), 401, 'UNAUTHORIZED');
    });

    it.each([
      ['garbage', 'Bearer not-a-jwt'],
      ['empty bearer', 'Bearer '],
      ['three dots of nothing', 'Bearer ..'],
      ['base64 junk', `Bearer ${Buffer.from('{"alg":"HS256"}').toString('base64url')}.e30.AAAA`],
      ['wrong scheme', 'Basic dXNlcjpwYXNz'],
    ])('rejects a malformed token (%s)', async (_label, header) => {
      expectProblem(await getJobs({ Authorization: header }), 401, 'UNAUTHORIZED');
    });

    it('rejects a token whose payload was changed (signature kept)', async () => {
      const [header, , signature] = write.split('.');
      const payload = jwt.decode(write) as jwt.JwtPayload;
      const forged = `${header}.${b64url({ ...payload, org_id: otherOrg, scopes: { SERVICES: 'ADMIN' } })}.${signature}`;
      expectProblem(await getJobs(bearer(forged)), 401, 'UNAUTHORIZED');
    });

    it('rejects a correctly signed token whose org claim does not match its record', async () => {
      const forged = sign({ sub: tokenId(write), org_id: otherOrg, scopes: { SERVICES: 'WRITE' } });
      expectProblem(await getJobs(bearer(forged)), 401, 'UNAUTHORIZED');
    });

    it('takes scopes from the token record, not from the claims', async () => {
      const inflated = sign({ sub: tokenId(read), org_id: org, scopes: { SERVICES: 'ADMIN' } });
      expect((await getJobs(bearer(inflated))).status).toBe(200);
      expectProblem(await t.http().get('/services/tokens').set(bearer(inflated)), 403, 'INSUFFICIENT_ACCESS');
    });

    it('rejects a token signed with another secret', async () => {
      const token = sign({ sub: tokenId(write), org_id: org }, { secret: 'another-secret-that-is-also-long-enough-0123456789' });
      expectProblem(await getJobs(bearer(token)), 401, 'UNAUTHORIZED');
    });

    it('rejects an alg "none" token', async () => {
      const payload = { sub: tokenId(admin), org_id: org, scopes: { SERVICES: 'ADMIN' }, iss: ISS, aud: AUD, iat: Math.floor(Date.now() / 1000) };
      for (const alg of ['none', 'None', 'NONE']) {
        const unsigned = `${b64url({ alg, typ: 'JWT' })}.${b64url(payload)}.`;
        expectProblem(await getJobs(bearer(unsigned)), 401, 'UNAUTHORIZED');
      }
    });

    it('rejects HS384/HS512 tokens signed with the right secret (HS256 only)', async () => {
      for (const algorithm of ['HS384', 'HS512'] as const) {
        const token = sign({ sub: tokenId(write), org_id: org }, { algorithm });
        expectProblem(await getJobs(bearer(token)), 401, 'UNAUTHORIZED');
      }
    });

    it('rejects RS256 and ES256 tokens', async () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rs = jwt.sign({ sub: tokenId(write), org_id: org, iss: ISS, aud: AUD }, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { algorithm: 'RS256' });
      expectProblem(await getJobs(bearer(rs)), 401, 'UNAUTHORIZED');
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const es = jwt.sign({ sub: tokenId(write), org_id: org, iss: ISS, aud: AUD }, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }), { algorithm: 'ES256' });
      expectProblem(await getJobs(bearer(es)), 401, 'UNAUTHORIZED');
    });

    it('rejects a token whose exp is in the past', async () => {
      const token = sign({ sub: tokenId(write), org_id: org, iat: Math.floor(Date.now() / 1000) - 120, exp: Math.floor(Date.now() / 1000) - 60 });
      expectProblem(await getJobs(bearer(token)), 401, 'UNAUTHORIZED');
    });

    it('rejects a token once it has expired', async () => {
      const token = await t.token(org, { SERVICES: 'READ' }, { expiresInSeconds: 2 });
      expect((jwt.decode(token) as jwt.JwtPayload).exp).toEqual(expect.any(Number));
      // Accepted first, so the process remembers it as verified: the expiry must still land.
      expect((await getJobs(bearer(token))).status).toBe(200);
      await eventually(async () => (await getJobs(bearer(token))).status === 401);
      expectProblem(await getJobs(bearer(token)), 401, 'UNAUTHORIZED');
    });

    it('rejects a token whose record has expired even if the JWT has no exp', async () => {
      const token = await t.token(org, { SERVICES: 'READ' });
      await t.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1`, [tokenId(token)]);
      expectProblem(await getJobs(bearer(token)), 401, 'UNAUTHORIZED');
    });

    it('rejects a token naming an unknown token id', async () => {
      const token = sign({ sub: 'tok_01jzzzzzzzzzzzzzzzzzzzzzzz', org_id: org, scopes: { SERVICES: 'ADMIN' } });
      expectProblem(await getJobs(bearer(token)), 401, 'UNAUTHORIZED');
      // Without a usable sub the token names no record (it once matched an arbitrary row).
      const noSub = sign({ org_id: org, scopes: { SERVICES: 'ADMIN' } });
      expectProblem(await getJobs(bearer(noSub)), 401, 'UNAUTHORIZED');
      for (const sub of ['', 42, null, { $ne: null }, [tokenId(read)]]) {
        const odd = rawSign({ sub, org_id: org, iss: ISS, aud: AUD, iat: Math.floor(Date.now() / 1000) });
        expectProblem(await getJobs(bearer(odd)), 401, 'UNAUTHORIZED');
      }
      // Control: the hand signer itself produces tokens the service accepts.
      const good = rawSign({ sub: tokenId(read), org_id: org, iss: ISS, aud: AUD, iat: Math.floor(Date.now() / 1000) });
      expect((await getJobs(bearer(good))).status).toBe(200);
    });

    it('rejects a wrong issuer', async () => {
      const token = sign({ sub: tokenId(write), org_id: org, iss: 'someone-else' });
      expectProblem(await getJobs(bearer(token)), 401, 'UNAUTHORIZED');
      const missing = jwt.sign({ sub: tokenId(write), org_id: org, aud: AUD }, TEST_JWT_SECRET, { algorithm: 'HS256' });
      expectProblem(await getJobs(bearer(missing)), 401, 'UNAUTHORIZED');
    });

    it('rejects a wrong audience', async () => {
      const token = sign({ sub: tokenId(write), org_id: org, aud: 'another-api' });
      expectProblem(await getJobs(bearer(token)), 401, 'UNAUTHORIZED');
      const noAud = jwt.sign({ sub: tokenId(write), org_id: org, iss: ISS }, TEST_JWT_SECRET, { algorithm: 'HS256' });
      expectProblem(await getJobs(bearer(noAud)), 401, 'UNAUTHORIZED');
      // The task callback audience without the claims of a task callback token.
      const callbackLike = sign({ sub: tokenId(write), org_id: org, aud: `${AUD}:task-callback` });
      expectProblem(await getJobs(bearer(callbackLike)), 401, 'UNAUTHORIZED');
    });

    it('a task callback token is no API token: it cannot read jobs or manage tokens', async () => {
      const callback = sign({ sub: 'task_01jzzzzzzzzzzzzzzzzzzzzzzz', job_id: 'job_01jzzzzzzzzzzzzzzzzzzzzzzz', org_id: org, aud: `${AUD}:task-callback` });
      for (const res of [
        await getJobs(bearer(callback)),
        await t.http().get('/services/job-types').set(bearer(callback)),
        await t.http().get('/services/tokens').set(bearer(callback)),
        await t.http().post('/services/tokens').set(bearer(callback)).send({ scopes: { SERVICES: 'ADMIN' } }),
        await t.http().post('/services/job-types').set(bearer(callback)).send({ id: 'cb', name: 'cb', executor: { type: 'builtin', name: 'echo' } }),
      ]) {
        expect([401, 403]).toContain(res.status);
        expectProblem(res, res.status);
      }
    });

    it('rejects a token revoked through this app at once, though it was cached', async () => {
      const victim = await t.token(org, { SERVICES: 'WRITE' });
      expect((await getJobs(bearer(victim))).status).toBe(200); // now cached
      const revoked = await t.http().delete(`/services/tokens/${tokenId(victim)}`).set(bearer(admin));
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ meta: { org_id: org, id: tokenId(victim) }, message: expect.stringContaining(tokenId(victim)) });
      // Revoking drops this process's cache entry: the very next request is refused.
      expectProblem(await getJobs(bearer(victim)), 401, 'UNAUTHORIZED');
      const { rows } = await t.db.query(`SELECT revoked_at FROM api_tokens WHERE id = $1`, [tokenId(victim)]);
      expect(rows[0].revoked_at).toBeInstanceOf(Date);
    });

    it('rejects a token revoked by another process (e.g. the CLI) once the cache TTL has passed', async () => {
      const victim = await t.token(org, { SERVICES: 'READ' });
      expect((await getJobs(bearer(victim))).status).toBe(200); // now cached in this process
      await t.db.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, [tokenId(victim)]);
      const revokedAt = Date.now();
      // Once the cache entry (TOKEN_CACHE_TTL_MS 1000 here) expired: the wait is a hang guard, far longer than the TTL.
      await eventually(async () => (await getJobs(bearer(victim))).status === 401);
      expectProblem(await getJobs(bearer(victim)), 401, 'UNAUTHORIZED');
      console.log(`auth: a token revoked by another process was refused ${Date.now() - revokedAt} ms later (TOKEN_CACHE_TTL_MS 1000)`);
    });
  });

  describe('access levels', () => {
    const jobBody = () => ({ target_channel: { org_id: org, platform: 'slack', code: 'C0AUTH' }, job_type_id: 'echo', params: { n: 1 } });
    const futureJob = () => ({ ...jobBody(), scheduled_at: new Date(Date.now() + 3600_000).toISOString() });

    it('READ can GET but not write', async () => {
      expect((await getJobs(bearer(read))).status).toBe(200);
      expect((await t.http().get('/services/job-types').set(bearer(read))).status).toBe(200);
      expect((await t.http().get('/services/job-types/echo').set(bearer(read))).status).toBe(200);

      expectProblem(await t.http().post('/services/agent-jobs').set(bearer(read)).send(jobBody()), 403, 'INSUFFICIENT_ACCESS');
      expectProblem(await t.http().post('/services/job-types').set(bearer(read))
        .send({ id: 'x', name: 'x', executor: { type: 'builtin', name: 'echo' } }), 403, 'INSUFFICIENT_ACCESS');
      expectProblem(await t.http().patch('/services/job-types/echo').set(bearer(read)).send({ name: 'renamed' }), 403, 'INSUFFICIENT_ACCESS');
      expectProblem(await t.http().delete('/services/job-types/echo').set(bearer(read)), 403, 'INSUFFICIENT_ACCESS');

      const job = await t.http().post('/services/agent-jobs').set(bearer(write)).send(futureJob());
      expect(job.status).toBe(201);
      expectProblem(await t.http().delete(`/services/agent-jobs/${job.body.data.job_id}`).set(bearer(read)), 403, 'INSUFFICIENT_ACCESS');
      expect((await t.http().get(`/services/agent-jobs/${job.body.data.job_id}`).set(bearer(read))).body.data.job_status).toBe('SCHEDULED');

      expectProblem(await t.http().get('/services/tokens').set(bearer(read)), 403, 'INSUFFICIENT_ACCESS');
      // Nothing was written by the refused calls.
      const types = await t.http().get('/services/job-types/echo').set(bearer(read));
      expect(types.body.data.name).toBe('Echo');
    });

    it('WRITE can create and cancel jobs but not manage tokens', async () => {
      const created = await t.http().post('/services/agent-jobs').set(bearer(write)).send(futureJob());
      expect(created.status).toBe(201);
      const canceled = await t.http().delete(`/services/agent-jobs/${created.body.data.job_id}`).set(bearer(write));
      expect(canceled.status).toBe(200);

      expectProblem(await t.http().get('/services/tokens').set(bearer(write)), 403, 'INSUFFICIENT_ACCESS');
      expectProblem(await t.http().post('/services/tokens').set(bearer(write)).send({ scopes: { SERVICES: 'ADMIN' } }), 403, 'INSUFFICIENT_ACCESS');
      expectProblem(await t.http().delete(`/services/tokens/${tokenId(read)}`).set(bearer(write)), 403, 'INSUFFICIENT_ACCESS');
      // The refused revocation did not happen.
      expect((await getJobs(bearer(read))).status).toBe(200);
    });

    it('ADMIN can do everything', async () => {
      const jt = await t.http().post('/services/job-types').set(bearer(admin))
        .send({ id: 'admin-type', name: 'Admin', executor: { type: 'builtin', name: 'echo' } });
      expect(jt.status).toBe(201);
      expect((await t.http().patch('/services/job-types/admin-type').set(bearer(admin)).send({ name: 'Admin 2' })).status).toBe(200);
      const job = await t.http().post('/services/agent-jobs').set(bearer(admin)).send({ ...futureJob(), job_type_id: 'admin-type' });
      expect(job.status).toBe(201);
      expect((await t.http().get(`/services/agent-jobs/${job.body.data.job_id}`).set(bearer(admin))).status).toBe(200);
      expect((await t.http().delete(`/services/agent-jobs/${job.body.data.job_id}`).set(bearer(admin))).status).toBe(200);
      expect((await t.http().delete('/services/job-types/admin-type').set(bearer(admin))).status).toBe(200);
      expect((await t.http().get('/services/tokens').set(bearer(admin))).status).toBe(200);
      const tok = await t.http().post('/services/tokens').set(bearer(admin)).send({ scopes: { SERVICES: 'READ' } });
      expect(tok.status).toBe(201);
      expect((await t.http().delete(`/services/tokens/${tok.body.data.id}`).set(bearer(admin))).status).toBe(200);
    });
  });

  describe('token routes', () => {
    it('creates a token, shows its string once, and the token works at its level', async () => {
      const res = await t.http().post('/services/tokens').set(bearer(admin)).send({ name: 'ci reader', scopes: { SERVICES: 'READ' } });
      expect(res.status).toBe(201);
      expect(res.body.data).toEqual(expect.objectContaining({
        id: expect.stringMatching(/^tok_/), token: expect.any(String), org_id: org, name: 'ci reader',
        scopes: { SERVICES: 'READ' }, expires_at: null,
      }));
      expect(res.body.meta).toEqual({ org_id: org, id: res.body.data.id });
      const token: string = res.body.data.token;
      expect(tokenId(token)).toBe(res.body.data.id);

      const used = await getJobs(bearer(token));
      expect(used.status).toBe(200);
      expect(used.body.meta.org_id).toBe(org);
      expectProblem(await t.http().post('/services/agent-jobs').set(bearer(token)).send({}), 403, 'INSUFFICIENT_ACCESS');

      const list = await t.http().get('/services/tokens').set(bearer(admin));
      expect(list.status).toBe(200);
      const listed = list.body.data.find((x: { id: string }) => x.id === res.body.data.id);
      expect(listed).toEqual(expect.objectContaining({ id: res.body.data.id, org_id: org, name: 'ci reader', scopes: { SERVICES: 'READ' }, revoked_at: null }));
      expect(listed).not.toHaveProperty('token');
      expect(JSON.stringify(list.body)).not.toContain(token);
      expect(JSON.stringify(list.body)).not.toContain(token.split('.')[2]);
    });

    it('creates a token with an expiry', async () => {
      const before = Date.now();
      const res = await t.http().post('/services/tokens').set(bearer(admin)).send({ scopes: { SERVICES: 'WRITE' }, expires_in: '1h' });
      expect(res.status).toBe(201);
      const expiresAt = Date.parse(res.body.data.expires_at);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000 - 2000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000 + 2000);
      expect((jwt.decode(res.body.data.token) as jwt.JwtPayload).exp).toBe(Math.floor(expiresAt / 1000));
    });

    it('validates the create body', async () => {
      for (const body of [
        {},
        { scopes: { SERVICES: 'ROOT' } },
        { scopes: { OTHER: 'READ' } },
        { scopes: {} },
        { scopes: 'SERVICES:READ' },
        { scopes: { SERVICES: 'READ' }, expires_in: 'forever' },
        { scopes: { SERVICES: 'READ' }, org_id: otherOrg },
      ]) {
        const res = await t.http().post('/services/tokens').set(bearer(admin)).send(body);
        expectProblem(res, 400, 'VALIDATION_ERROR');
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.any(String), message: expect.any(String) })]));
      }
      // No token was minted for the other org.
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM api_tokens WHERE org_id = $1`, [otherOrg]);
      expect(rows[0].n).toBe(1);
    });

    it('lists only the own org tokens', async () => {
      const mine = await t.http().get('/services/tokens').set(bearer(admin));
      expect(mine.status).toBe(200);
      expect(mine.body.data.length).toBeGreaterThanOrEqual(4);
      expect(mine.body.data.every((x: { org_id: string }) => x.org_id === org)).toBe(true);
      expect(mine.body.data.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([tokenId(read), tokenId(write), tokenId(admin)]));
      expect(mine.body.data.map((x: { id: string }) => x.id)).not.toContain(tokenId(otherAdmin));
      expect(mine.body.meta).toEqual(expect.objectContaining({ org_id: org, total: mine.body.data.length }));

      const theirs = await t.http().get('/services/tokens').set(bearer(otherAdmin));
      expect(theirs.body.data.map((x: { id: string }) => x.id)).toEqual([tokenId(otherAdmin)]);
    });

    it("refuses to revoke another org's token (403) and an unknown one (404)", async () => {
      expectProblem(await t.http().delete(`/services/tokens/${tokenId(otherAdmin)}`).set(bearer(admin)), 403);
      expect((await t.http().get('/services/tokens').set(bearer(otherAdmin))).status).toBe(200);
      const { rows } = await t.db.query(`SELECT revoked_at FROM api_tokens WHERE id = $1`, [tokenId(otherAdmin)]);
      expect(rows[0].revoked_at).toBeNull();

      expectProblem(await t.http().delete('/services/tokens/tok_01jzzzzzzzzzzzzzzzzzzzzzzz').set(bearer(admin)), 404, 'TOKEN_NOT_FOUND');
      expectProblem(await t.http().delete('/services/tokens/nonsense').set(bearer(admin)), 404, 'TOKEN_NOT_FOUND');
    });

    it('shows a revoked token as revoked in the list, and revoking again is harmless', async () => {
      const tok = await t.http().post('/services/tokens').set(bearer(admin)).send({ scopes: { SERVICES: 'READ' } });
      const id = tok.body.data.id;
      expect((await t.http().delete(`/services/tokens/${id}`).set(bearer(admin))).status).toBe(200);
      expect((await t.http().delete(`/services/tokens/${id}`).set(bearer(admin))).status).toBe(200);
      const list = await t.http().get('/services/tokens').set(bearer(admin));
      const listed = list.body.data.find((x: { id: string }) => x.id === id);
      expect(Date.parse(listed.revoked_at)).not.toBeNaN();
      expectProblem(await getJobs(bearer(tok.body.data.token)), 401, 'UNAUTHORIZED');
    });
  });
});
