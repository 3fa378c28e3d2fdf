import { Writable } from 'node:stream';
import { addToLogContext, runInLogContext, withLogContext } from './log-context';
import { createRootLogger } from './root-logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('createRootLogger', () => {
  it('writes one JSON object per line with the context ids, LOG_LEVEL mapped, credentials redacted', () => {
    const { lines, stream } = capture();
    const logger = createRootLogger({ LOG_LEVEL: 'log', LOG_FORMAT: 'json' }, stream);
    const request = { req_id: 'r-1' };
    runInLogContext(request, () => {
      addToLogContext({ org_id: 'acme' });
      withLogContext({ job_id: 'job_1', task_id: 'task_1' }, () => logger.info({ headers: { authorization: 'Bearer x' }, api_key: 'k' }, 'inside'));
      logger.info('after');
    });
    logger.debug('not shown at LOG_LEVEL=log');
    logger.info({ org_id: 'explicit' }, 'outside');

    expect(lines.map((l) => l.msg)).toEqual(['inside', 'after', 'outside']);
    expect(lines[0]).toMatchObject({ level: 'info', req_id: 'r-1', org_id: 'acme', job_id: 'job_1', task_id: 'task_1', headers: { authorization: '[REDACTED]' }, api_key: '[REDACTED]' });
    // The job's fields stayed inside withLogContext; the org added to the request's context stays with it.
    expect(lines[1]).toMatchObject({ req_id: 'r-1', org_id: 'acme' });
    expect(lines[1]).not.toHaveProperty('job_id');
    expect(request).toEqual({ req_id: 'r-1', org_id: 'acme' });
    expect(lines[2]).toMatchObject({ org_id: 'explicit' });
    expect(lines[2]).not.toHaveProperty('req_id');
  });

  it('masks a secret that slipped into a message or an error', () => {
    const { lines, stream } = capture();
    const logger = createRootLogger({ LOG_LEVEL: 'error', LOG_FORMAT: 'json' }, stream);
    logger.error(new Error('signing failed with whsec_0123456789abcdef'), 'agent answered sk-live-0123456789');
    expect(JSON.stringify(lines)).not.toMatch(/whsec_0123|sk-live-0123/);
    expect(lines).toHaveLength(1);
  });
});
