import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { createApp } from '../../apps/api/create-app';
import { WorkerModule } from '../../apps/worker/worker.module';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { expectProblem, fieldsOf } from '../support/problem';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Job types' JSON Schemas as tenants use them, across processes: two API app instances and a
 * separate worker, each with its own caches, on one database and queue prefix.
 */
describe('job type schemas', () => {
  let t: TestApp;
  let api2: INestApplication;
  let worker: INestApplicationContext;
  let agent: AgentServer;
  const { orgWithToken, waitForStatus } = jobsApi(() => t, { orgLabel: 'schemas', channelCode: 'CSCHEMA' });
  /** The first API process, or the second one. */
  const via = (n: 1 | 2) => (n === 1 ? t.http() : request(api2.getHttpServer()));

  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp({ withWorker: false }), startAgentServer()]);
    api2 = await createApp({ env: t.env, withWorker: false, logger: ['error'] });
    await api2.init();
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(t.env), { logger: ['error'] });
  });
  afterAll(async () => {
    await worker?.close();
    await api2?.close();
    await agent?.close();
    await t?.close();
  });

  const createJob = (n: 1 | 2, auth: Record<string, string>, org: string, jobTypeId: string, params: unknown) =>
    via(n).post('/services/agent-jobs').set(auth).send({ target_channel: { org_id: org, platform: 'slack', code: 'CSCHEMA' }, job_type_id: jobTypeId, params });
  const postType = (auth: Record<string, string>, body: object) =>
    t.http().post('/services/job-types').set(auth).send({ name: 'Typed', executor: { type: 'builtin', name: 'echo' }, ...body });

  it('two orgs both register $id "report" with different rules: each org\'s jobs are checked by its own schema', async () => {
    const a = await orgWithToken();
    const b = await orgWithToken();
    const reportA = { $id: 'report', type: 'object', required: ['title'], properties: { title: { type: 'string' } } };
    const reportB = { $id: 'report', type: 'object', required: ['count'], properties: { count: { type: 'integer' } } };
    const typeA = await createHttpJobType(t, agent, a.auth, {
      id: 'report', behaviour: 'complete', params_schema: reportA, default_config: { max_task_retries: 0 },
      output_schema: { $id: 'report-out', type: 'object', required: ['echo'] },
    });
    const typeB = await createHttpJobType(t, agent, b.auth, {
      id: 'report', behaviour: 'complete', params_schema: reportB, default_config: { max_task_retries: 0 },
      output_schema: { $id: 'report-out', type: 'object', required: ['summary'] },
    });
    expect([typeA.id, typeB.id]).toEqual(['report', 'report']);

    for (const n of [1, 2] as const) {
      expect((await createJob(n, a.auth, a.org, 'report', { title: 'Weekly' })).status).toBe(201);
      const aWrong = await createJob(n, a.auth, a.org, 'report', { count: 3 });
      expectProblem(aWrong, 400, 'VALIDATION_ERROR');
      expect(aWrong.body.errors).toEqual([{ field: 'params', message: "must have required property 'title'" }]);
      const bWrong = await createJob(n, b.auth, b.org, 'report', { count: 'three' });
      expectProblem(bWrong, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(bWrong)).toEqual(['params.count']);
    }
    // The worker checks each org's result against that org's output schema.
    const jobA = (await createJob(1, a.auth, a.org, 'report', { title: 'Daily' })).body.data.job_id;
    const jobB = (await createJob(2, b.auth, b.org, 'report', { count: 3 })).body.data.job_id;
    expect((await waitForStatus(a.auth, jobA, ['COMPLETED', 'FAILED'])).job_status).toBe('COMPLETED');
    const failedB = await waitForStatus(b.auth, jobB, ['COMPLETED', 'FAILED']);
    expect(failedB).toMatchObject({ job_status: 'FAILED', error: { code: 'OUTPUT_SCHEMA_MISMATCH', message: expect.stringContaining('summary') } });

    // Another document's $id does not resolve: B cannot reach A's (or its own other) "report".
    const leak = await postType(b.auth, { id: 'peek', params_schema: { type: 'object', properties: { t: { $ref: 'report#/properties/title' } } } });
    expectProblem(leak, 400, 'VALIDATION_ERROR');
    expect(leak.body.errors).toEqual([{ field: 'params_schema', message: expect.stringMatching(/^\$ref "report#\/properties\/title" does not point into this schema/) }]);
  });

  it('a PATCH that keeps $id but changes the rules applies at once in both API processes and in the worker', async () => {
    const { org, auth } = await orgWithToken();
    await createHttpJobType(t, agent, auth, {
      id: 'ticket', behaviour: 'complete', default_config: { max_task_retries: 0 },
      params_schema: { $id: 'ticket', type: 'object', required: ['a'] },
      output_schema: { $id: 'ticket-out', type: 'object', required: ['echo'] },
    });
    // Every process reads (and caches) the first version.
    const warm = await createJob(2, auth, org, 'ticket', { a: 1 });
    expect(warm.status).toBe(201);
    expect((await createJob(1, auth, org, 'ticket', { a: 1 })).status).toBe(201);
    expect((await waitForStatus(auth, warm.body.data.job_id, ['COMPLETED', 'FAILED'])).job_status).toBe('COMPLETED');

    const patched = await t.http().patch('/services/job-types/ticket').set(auth).send({
      params_schema: { $id: 'ticket', type: 'object', required: ['b'] },
      output_schema: { $id: 'ticket-out', type: 'object', required: ['never'] },
    });
    expect(patched.status).toBe(200);

    for (const n of [2, 1] as const) {
      const old = await createJob(n, auth, org, 'ticket', { a: 1 });
      expectProblem(old, 400, 'VALIDATION_ERROR');
      expect(old.body.errors).toEqual([{ field: 'params', message: "must have required property 'b'" }]);
    }
    const next = await createJob(2, auth, org, 'ticket', { b: 1 });
    expect(next.status).toBe(201);
    const done = await waitForStatus(auth, next.body.data.job_id, ['COMPLETED', 'FAILED']);
    expect(done).toMatchObject({ job_status: 'FAILED', error: { code: 'OUTPUT_SCHEMA_MISMATCH', message: expect.stringContaining('never') } });
  });

  it('a catastrophic-backtracking pattern neither blocks the API or the worker nor answers 500', async () => {
    const { org, auth } = await orgWithToken();
    const evil = `${'a'.repeat(64)}!`; // a backtracking engine needs about 2^64 steps to refuse this
    expect((await postType(auth, { id: 'evil', params_schema: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } } })).status).toBe(201);
    const [refused, health] = await Promise.all([createJob(2, auth, org, 'evil', { name: evil }), via(2).get('/health')]);
    expectProblem(refused, 400, 'VALIDATION_ERROR');
    expect(refused.body.errors).toEqual([{ field: 'params.name', message: 'must match pattern "^(a+)+$"' }]);
    expect(health.status).toBe(200);
    expect((await createJob(1, auth, org, 'evil', { name: 'aaaa' })).status).toBe(201);

    await createHttpJobType(t, agent, auth, {
      id: 'evil-out', behaviour: 'complete', default_config: { max_task_retries: 0 },
      output_schema: { type: 'object', properties: { echo: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } } } },
    });
    const job = await createJob(1, auth, org, 'evil-out', { name: evil });
    expect(job.status).toBe(201);
    const failed = await waitForStatus(auth, job.body.data.job_id, ['COMPLETED', 'FAILED']);
    expect(failed).toMatchObject({ job_status: 'FAILED', error: { code: 'OUTPUT_SCHEMA_MISMATCH', message: expect.stringContaining('must match pattern') } });
  });

  it('patterns RE2 cannot run are a 400 on the schema field, at create and at PATCH', async () => {
    const { auth } = await orgWithToken();
    const cases: Array<[object, string]> = [
      [{ params_schema: { type: 'object', properties: { n: { type: 'string', pattern: '(?<=a)b' } } } }, 'params_schema'],
      [{ output_schema: { type: 'string', pattern: '(x)\\1' } }, 'output_schema'],
      [{ params_schema: { type: 'object', patternProperties: { '^(?!tmp_)': { type: 'string' } } } }, 'params_schema'],
    ];
    for (const [body, field] of cases) {
      const res = await postType(auth, { id: 'lookaround', ...body });
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors).toEqual([{ field, message: expect.stringMatching(/^pattern ".+" is not supported \(.+\): patterns use RE2 syntax, without lookaround or backreferences$/) }]);
    }
    expectProblem(await t.http().get('/services/job-types/lookaround').set(auth), 404, 'JOB_TYPE_NOT_FOUND');

    expect((await postType(auth, { id: 'plain', params_schema: { type: 'object', properties: { n: { type: 'string', pattern: '^[a-z]+$' } } } })).status).toBe(201);
    const before = (await t.http().get('/services/job-types/plain').set(auth)).body.data;
    for (const [body, field] of cases) {
      const res = await t.http().patch('/services/job-types/plain').set(auth).send(body);
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toEqual([field]);
    }
    expect((await t.http().get('/services/job-types/plain').set(auth)).body.data).toEqual(before);
  });

  it('$refs must stay inside the schema: remote and foreign references are refused, local ones work', async () => {
    const { org, auth } = await orgWithToken();
    expect((await postType(auth, { id: 'order' })).status).toBe(201);
    for (const ref of ['https://schemas.example.com/ticket.json', 'http://json-schema.org/draft-07/schema#', 'other#/definitions/x']) {
      const refused = { field: expect.any(String), message: expect.stringMatching(/^\$ref ".+" does not point into this schema: only references within the same schema are allowed/) };
      const res = await postType(auth, { id: 'remote', params_schema: { type: 'object', properties: { x: { $ref: ref } } } });
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors).toEqual([{ ...refused, field: 'params_schema' }]);
      const patched = await t.http().patch('/services/job-types/order').set(auth).send({ output_schema: { $ref: ref } });
      expectProblem(patched, 400, 'VALIDATION_ERROR');
      expect(patched.body.errors).toEqual([{ ...refused, field: 'output_schema' }]);
    }
    expect((await t.http().get('/services/job-types/order').set(auth)).body.data.output_schema).toBeNull();
    const local = {
      $id: 'https://schemas.example.com/order', type: 'object',
      properties: {
        qty: { $ref: '#/definitions/count' },
        max: { $ref: 'https://schemas.example.com/order#/definitions/count' },
        sku: { $id: 'sku', type: 'string', pattern: '^[A-Z]{3}-\\d+$' },
        alt: { $ref: 'sku' },
      },
      definitions: { count: { type: 'integer', minimum: 1 } },
    };
    expect((await t.http().patch('/services/job-types/order').set(auth).send({ params_schema: local })).status).toBe(200);
    expect((await createJob(1, auth, org, 'order', { qty: 2, max: 3, sku: 'ABC-1', alt: 'XYZ-22' })).status).toBe(201);
    const bad = await createJob(2, auth, org, 'order', { qty: 0, max: 'many', alt: 'abc' });
    expectProblem(bad, 400, 'VALIDATION_ERROR');
    expect(fieldsOf(bad).sort()).toEqual(['params.alt', 'params.max', 'params.qty']);
  });

  it('a stored schema that today\'s rules refuse is a 400 for new jobs and a task failure in the worker, never a 500 or a stuck task', async () => {
    const { org, auth } = await orgWithToken();
    // Written before the rules existed (straight into the table: the API refuses them now).
    expect((await postType(auth, { id: 'legacy-params' })).status).toBe(201);
    await t.db.query(`UPDATE job_types SET params_schema = $3 WHERE org_id = $1 AND id = $2`,
      [org, 'legacy-params', JSON.stringify({ type: 'object', properties: { n: { type: 'string', pattern: '(?<=a)b' } } })]);
    const res = await createJob(2, auth, org, 'legacy-params', { n: 'ab' });
    expectProblem(res, 400, 'VALIDATION_ERROR');
    expect(res.body.errors).toEqual([{ field: 'params', message: expect.stringMatching(/^cannot be checked: the job type's schema is not usable \(pattern/) }]);

    await createHttpJobType(t, agent, auth, { id: 'legacy-output', behaviour: 'complete', default_config: { max_task_retries: 0 } });
    await t.db.query(`UPDATE job_types SET output_schema = $3 WHERE org_id = $1 AND id = $2`,
      [org, 'legacy-output', JSON.stringify({ $ref: 'https://schemas.example.com/result.json' })]);
    const job = await createJob(1, auth, org, 'legacy-output', {});
    expect(job.status).toBe(201);
    const failed = await waitForStatus(auth, job.body.data.job_id, ['COMPLETED', 'FAILED']);
    expect(failed).toMatchObject({ job_status: 'FAILED', error: { code: 'OUTPUT_SCHEMA_MISMATCH', message: expect.stringContaining('does not point into this schema') } });
  });
});
