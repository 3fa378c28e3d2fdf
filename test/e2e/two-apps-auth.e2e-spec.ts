import { expectProblem } from '../support/problem';
import { bearer, newOrg, startTestApp, TestApp, tokenId } from '../support/test-app';

/**
 * Two API apps in one process, each on its own database (as tests and in-process replicas run
 * them): each authenticates with its own strategy, so a token is good in the app that issued it
 * only (both sign with the same secret: the token record decides), and closing one app leaves
 * the other authenticating. One route per module that guards routes.
 */
const ROUTES = ['/services/agent-jobs', '/services/job-types', '/services/tokens', '/services/channels', '/services/schedules', '/services/webhooks/signing-secret'];

describe('two apps in one process', () => {
  let a: TestApp;
  let b: TestApp;
  let bClosed = false;

  beforeAll(async () => {
    a = await startTestApp({ withWorker: false });
    b = await startTestApp({ withWorker: false });
  });
  afterAll(async () => {
    await a?.close();
    if (!bClosed) await b?.close();
  });

  /** The status of each route for this token in this app. */
  const statuses = async (app: TestApp, token: string) =>
    Promise.all(ROUTES.map(async (route) => (await app.http().get(route).set(bearer(token))).status));
  /** Whether each route let the token past authentication (what it answers then is the route's business). */
  const passed = async (app: TestApp, token: string) => (await statuses(app, token)).map((s) => s !== 401 && s < 500);

  it('each app accepts its own tokens and refuses the other app\'s', async () => {
    const [orgA, orgB] = [newOrg('app-a'), newOrg('app-b')];
    const [tokenA, tokenB] = await Promise.all([a.token(orgA, { SERVICES: 'ADMIN' }), b.token(orgB, { SERVICES: 'ADMIN' })]);

    const own = await a.http().get('/services/agent-jobs').set(bearer(tokenA));
    expect(own.status).toBe(200);
    expect(own.body.meta.org_id).toBe(orgA);
    expect((await b.http().get('/services/agent-jobs').set(bearer(tokenB))).body.meta.org_id).toBe(orgB);
    for (const [app, token] of [[a, tokenA], [b, tokenB]] as const) expect(await passed(app, token)).toEqual(ROUTES.map(() => true));

    for (const [app, foreign] of [[a, tokenB], [b, tokenA]] as const) {
      expect(await statuses(app, foreign)).toEqual(ROUTES.map(() => 401));
      expectProblem(await app.http().get('/services/agent-jobs').set(bearer(foreign)), 401, 'UNAUTHORIZED');
    }
  });

  it('closing one app leaves the other authenticating, with tokens it never saw before', async () => {
    const orgA = newOrg('app-a');
    const before = await a.token(orgA, { SERVICES: 'ADMIN' });
    expect((await a.http().get('/services/agent-jobs').set(bearer(before))).status).toBe(200);
    await b.close();
    bClosed = true;

    // A fresh token is read from the database (not from a cache): a's own, open one.
    const fresh = await a.token(orgA, { SERVICES: 'READ' });
    const res = await a.http().get('/services/agent-jobs').set(bearer(fresh));
    expect(res.status).toBe(200);
    expect(res.body.meta.org_id).toBe(orgA);
    expect(await passed(a, before)).toEqual(ROUTES.map(() => true));
    // Revocation goes through a's database too.
    expect((await a.http().delete(`/services/tokens/${tokenId(fresh)}`).set(bearer(before))).status).toBe(200);
    expectProblem(await a.http().get('/services/agent-jobs').set(bearer(fresh)), 401, 'UNAUTHORIZED');
  });
});
