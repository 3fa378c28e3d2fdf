import createClient from 'openapi-fetch';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { servedDocument } from '../support/openapi';
import { inAnHour, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * A client of the API as a user would write it: typed by openapi-typescript from the document,
 * calls through openapi-fetch. It is type-checked against the generated types (the
 * @ts-expect-error lines must be errors: were the types `any`, the check would fail), then the
 * very same code runs against the real server.
 */
const CONSUMER = `
import type createClientFn from 'openapi-fetch';
import type { components, paths } from './api';

type Job = components['schemas']['Job'];
type JobStatus = Job['job_status'];

export async function createGetCancel(createClient: typeof createClientFn, baseUrl: string, token: string, orgId: string, at: string) {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${token}\` } });
  const created = await client.POST('/services/agent-jobs', {
    params: { query: { delay: 0 } },
    body: { target_channel: { org_id: orgId, platform: 'slack', code: 'C0CLIENT' }, job_type_id: 'echo', scheduled_at: at, params: { n: 1 } },
  });
  if (!created.data) throw new Error(\`create: \${created.response.status} \${JSON.stringify(created.error)}\`);
  const job: Job = created.data.data;
  const firstStatus: JobStatus = job.job_status;
  const attempt: number = job.tasks[0].attempt;
  const got = await client.GET('/services/agent-jobs/{id}', { params: { path: { id: job.job_id } } });
  const status: JobStatus | undefined = got.data?.data.job_status;
  const canceled = await client.DELETE('/services/agent-jobs/{id}', { params: { path: { id: job.job_id } }, body: { reason: 'typed client' } });
  const message: string | undefined = canceled.data?.message;
  const after = await client.GET('/services/agent-jobs/{id}', { params: { path: { id: job.job_id } } });
  const again = await client.DELETE('/services/agent-jobs/{id}', { params: { path: { id: job.job_id } } });
  const conflict: string | undefined = again.error?.code;
  return {
    createdStatus: created.response.status, firstStatus, attempt, status, message,
    canceled: after.data?.data.job_status, cancelReason: after.data?.data.cancel_reason, conflict, conflictStatus: again.response.status,
  };
}

export async function typeChecks(client: ReturnType<typeof createClientFn<paths>>, job: Job) {
  // @ts-expect-error job_status is one of the statuses, not any text
  const done: 'DONE' = job.job_status;
  // @ts-expect-error a task's attempt is a number
  const attempt: string = job.tasks[0].attempt;
  // @ts-expect-error job_type_id is required
  await client.POST('/services/agent-jobs', { body: { target_channel: { org_id: 'o', platform: 'slack', code: 'C1' } } });
  // @ts-expect-error a platform the API does not know
  await client.POST('/services/agent-jobs', { body: { target_channel: { org_id: 'o', platform: 'email', code: 'C1' }, job_type_id: 'x' } });
  // @ts-expect-error no such route
  await client.GET('/services/agent-jobz');
  return [done, attempt];
}
`;

/**
 * openapi-typescript's own CLI, in a child process: the package is ESM (its dependencies too),
 * which jest's CommonJS runtime cannot load.
 */
async function generateTypes(documentFile: string, outFile: string): Promise<void> {
  const cli = path.join(path.dirname(require.resolve('openapi-typescript')), '../bin/cli.js');
  await promisify(execFile)(process.execPath, [cli, documentFile, '--output', outFile]);
}

describe('a TypeScript client generated from the document', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await startTestApp({ withWorker: false });
    dir = mkdtempSync(path.join(os.tmpdir(), 'agent-jobs-client-'));
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('type-checks against the generated types, then creates, gets and cancels a job on the real server', async () => {
    writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(await servedDocument(t)));
    await generateTypes(path.join(dir, 'openapi.json'), path.join(dir, 'api.ts'));
    writeFileSync(path.join(dir, 'consumer.ts'), CONSUMER);

    const program = ts.createProgram([path.join(dir, 'consumer.ts')], {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
      skipLibCheck: true, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      baseUrl: dir, paths: { 'openapi-fetch': [path.dirname(require.resolve('openapi-fetch/package.json'))] },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
    // The check is real: the same code with one wrong type does not compile.
    writeFileSync(path.join(dir, 'wrong.ts'), `${CONSUMER}\nexport const wrong = (job: Job): number => job.job_id;\n`);
    const wrong = ts.createProgram([path.join(dir, 'wrong.ts')], program.getCompilerOptions());
    expect(ts.getPreEmitDiagnostics(wrong).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')))
      .toEqual([expect.stringMatching(/Type 'string' is not assignable to type 'number'/)]);

    const org = newOrg('client');
    const admin = await t.token(org, { SERVICES: 'ADMIN' });
    expect((await t.http().post('/services/job-types').set({ Authorization: `Bearer ${admin}` }).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
    const consumer = { exports: {} as { createGetCancel: (...args: unknown[]) => Promise<Record<string, unknown>> } };
    const js = ts.transpileModule(CONSUMER, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    new Function('exports', 'module', js)(consumer.exports, consumer);
    const outcome = await consumer.exports.createGetCancel(createClient, t.url, await t.token(org, { SERVICES: 'WRITE' }), org, inAnHour());
    expect(outcome).toEqual({
      createdStatus: 201, firstStatus: 'SCHEDULED', attempt: 1, status: 'SCHEDULED', message: expect.stringMatching(/successfully canceled$/),
      canceled: 'CANCELED', cancelReason: 'typed client', conflict: 'JOB_ALREADY_TERMINAL', conflictStatus: 409,
    });
  });
});
