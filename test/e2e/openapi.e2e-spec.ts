import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'supertest';
import { CallbackTokens } from '../../libs/auth/src';
import { expectProblem, fieldsOf } from '../support/problem';
import { DocumentedAnswers, OpenApiDocument, Operation, registeredRoutes, servedDocument, toTemplate } from '../support/openapi';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

const LEVELS = ['READ', 'WRITE', 'ADMIN'] as const;
/** The result route checks its body before its (callback) token: a body of the right shape there. */
const BODIES: Record<string, object> = { 'post /services/agent-jobs/{id}/tasks/{task_id}/result': { status: 'completed' } };
/** Answers 200 and streams until the client leaves: its success is not requested here. */
const NEVER_ENDS = ['get /services/events/stream'];

describe('the API document of the running app', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let answers: DocumentedAnswers;
  let org: string;
  const tokens: Partial<Record<(typeof LEVELS)[number], Record<string, string>>> = {};

  const operations = () => Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, op]) => ({ template, method, op: op as Operation })));
  /** A request to the operation with placeholder ids, and an empty JSON body where it takes one. */
  const call = (method: string, template: string, headers: Record<string, string> = {}) => {
    const url = template.replace(/\{(\w+)\}/g, (_, name: string) => `no_such_${name}`);
    const req = (t.http() as unknown as Record<string, (u: string) => Test>)[method](url).set(headers);
    return ['post', 'put', 'patch', 'delete'].includes(method) ? req.send(BODIES[`${method} ${template}`] ?? {}) : req;
  };

  beforeAll(async () => {
    t = await startTestApp({ withWorker: true });
    doc = await servedDocument(t);
    answers = new DocumentedAnswers(doc);
    org = newOrg('openapi');
    for (const level of LEVELS) tokens[level] = bearer(await t.token(org, { SERVICES: level }));
  });
  afterAll(async () => { await t?.close(); });

  it('is the committed openapi.json', () => {
    const committed = JSON.parse(readFileSync(path.resolve(__dirname, '../../openapi.json'), 'utf8'));
    expect(doc).toEqual(committed);
  });

  it('has every route the app registers, with its method and path, and nothing else', () => {
    const registered = registeredRoutes(t).map((r) => `${r.method} ${toTemplate(r.path)}`).sort();
    const documented = operations().map((o) => `${o.method} ${o.template}`).sort();
    // The enumeration works: routes of each kind are there.
    expect(registered).toEqual(expect.arrayContaining([
      'get /health', 'post /services/agent-jobs', 'get /services/agent-jobs/{id}/stream', 'post /services/agent-jobs/{id}/tasks/{task_id}/result', 'get /docs',
    ]));
    expect(documented).toEqual(registered);
  });

  it('names the security each route enforces: no token is 401 where it needs one, never elsewhere', async () => {
    for (const { template, method, op } of operations()) {
      const res = await call(method, template);
      const id = `${method} ${template}`;
      const secured = (op.security ?? []).length > 0;
      expect({ id, unauthorized: res.status === 401 }).toEqual({ id, unauthorized: secured });
      if (secured) expectProblem(res, 401, 'UNAUTHORIZED');
      answers.expect(res, method, template);
    }
  });

  it('names the access level each route enforces: one level below is 403, the level itself gets through', async () => {
    const checked: string[] = [];
    for (const { template, method, op } of operations()) {
      const access = op['x-required-access'] as string | undefined;
      if (!access) continue;
      const level = access.split(':')[1] as (typeof LEVELS)[number];
      const id = `${method} ${template}`;
      const below = LEVELS[LEVELS.indexOf(level) - 1];
      if (below) {
        const res = await call(method, template, tokens[below]);
        expectProblem(res, 403, 'INSUFFICIENT_ACCESS');
        answers.expect(res, method, template);
      }
      if (NEVER_ENDS.includes(id)) continue;
      const res = await call(method, template, tokens[level]);
      expect({ id, status: res.status, code: res.body?.code }).not.toEqual({ id, status: 403, code: 'INSUFFICIENT_ACCESS' });
      expect({ id, status: res.status }).not.toEqual({ id, status: 401 });
      // Whatever it answered (400 for the empty body, 404 for the placeholder ids...) is documented.
      answers.expect(res, method, template);
      checked.push(id);
    }
    expect(checked.length).toBeGreaterThan(30);
  });

  it("lets an agent's task callback token call exactly the routes that document its scheme", async () => {
    const callback = bearer(t.app.get(CallbackTokens).issue('task_openapi', 'job_openapi', org, new Date(Date.now() + 60_000)));
    for (const { template, method, op } of operations()) {
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      if (!schemes.includes('apiToken')) continue;
      const res = await call(method, template, callback);
      const id = `${method} ${template}`;
      const refused = res.status === 403 && res.body.code === 'INSUFFICIENT_ACCESS';
      expect({ id, refused }).toEqual({ id, refused: !schemes.includes('taskCallbackToken') });
      answers.expect(res, method, template);
    }
  });

  it('serves /docs with every asset from this server (no CDN, no external URL)', async () => {
    const page = await t.http().get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).not.toMatch(/https?:\/\//);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/init.js']));
    for (const asset of assets) {
      expect(asset).toMatch(/^\/docs\/assets\//);
      const res = await t.http().get(asset).buffer(true);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      const text = Buffer.isBuffer(res.body) ? res.body.toString('utf8') : res.text;
      // The stylesheet's images are inline (data:), and the starter asks no validator on the web.
      if (asset.endsWith('.css')) for (const [, url] of text.matchAll(/url\(\s*['"]?([^'")]+)/g)) expect(url).toMatch(/^data:/);
      if (asset.endsWith('init.js')) {
        expect(text).not.toMatch(/https?:\/\//);
        expect(text).toContain("url: \"/docs/openapi.json\"");
        expect(text).toContain('validatorUrl: null');
      }
    }
    // swagger-ui-dist's own index.html (it loads a petstore document from the web) is not served.
    expectProblem(await t.http().get('/docs/assets/index.html'), 404);
  });

  it('refuses query parameters on the docs routes and their assets, as every route does', async () => {
    for (const url of ['/docs?x=1', '/docs/openapi.json?x=1', '/docs/assets/swagger-ui.css?x=1']) {
      const res = await t.http().get(url);
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect({ url, fields: fieldsOf(res) }).toEqual({ url, fields: ['x'] });
    }
  });
});
