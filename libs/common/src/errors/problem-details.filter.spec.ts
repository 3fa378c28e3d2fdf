import { BadRequestException, NotFoundException } from '@nestjs/common';
import { DomainError, ServiceUnavailableError } from './domain-error';
import { sendProblem, toProblem } from './problem-details.filter';

describe('toProblem', () => {
  it('maps a DomainError with its code and field errors', () => {
    const p = toProblem(new DomainError(400, 'VALIDATION_ERROR', 'bad', [{ field: 'a', message: 'b' }]));
    expect(p).toMatchObject({ status: 400, title: 'Bad Request', code: 'VALIDATION_ERROR', detail: 'bad', errors: [{ field: 'a', message: 'b' }] });
    expect(p.type).toMatch(/validation-error$/);
  });

  it('adds a DomainError\'s extension members, which never replace the standard ones', () => {
    const p = toProblem(new DomainError(409, 'SESSION_BUSY', 'busy', undefined, { active_turn_id: 'turn_1', status: 200, code: 'X' }));
    expect(p).toMatchObject({ status: 409, code: 'SESSION_BUSY', detail: 'busy', active_turn_id: 'turn_1' });
  });

  it('maps body parser failures to 413 and 400', () => {
    expect(toProblem({ type: 'entity.too.large', status: 413 })).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(toProblem({ type: 'entity.parse.failed', status: 400 })).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
  });

  it('maps Postgres data exceptions to 400 and hides the database message', () => {
    const err = Object.assign(new Error('invalid input syntax for type timestamp with time zone: "x"'), { driverError: { code: '22007' } });
    const p = toProblem(err);
    expect(p).toMatchObject({ status: 400, code: 'INVALID_VALUE' });
    expect(JSON.stringify(p)).not.toContain('timestamp');
  });

  it('keeps Nest HTTP exceptions and hides anything unexpected behind a 500', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x'))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(toProblem(new BadRequestException('nope'))).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const internal = toProblem(new Error('connection terminated: password=hunter2'));
    expect(internal).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(internal)).not.toContain('hunter2');
  });

  describe('Postgres and Redis outages', () => {
    const pgError = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
    const outages: Array<[string, unknown]> = [
      ['pg connect refused', pgError('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED')],
      ['a dropped pg connection', pgError('Connection terminated unexpectedly')],
      ['pg-pool connect timeout', pgError('timeout exceeded when trying to connect')],
      ['pg connect timeout', pgError('Connection terminated due to connection timeout')],
      ['a broken pg client', pgError('Client has encountered a connection error and is not queryable')],
      ['admin shutdown (57P01) inside a QueryFailedError', Object.assign(new Error('terminating connection due to administrator command'), { driverError: { code: '57P01' } })],
      ['the database starting up (57P03)', pgError('the database system is starting up', '57P03')],
      ['a connection exception (08006)', pgError('connection failure', '08006')],
      ['too many connections (53300)', pgError('sorry, too many clients already', '53300')],
      ['ioredis closed', new Error('Connection is closed.')],
      ['ioredis retries exhausted', Object.assign(new Error('Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.'), { name: 'MaxRetriesPerRequestError' })],
      ['ioredis offline queue off', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
      ['an AggregateError of refused addresses', new AggregateError([pgError('connect ECONNREFUSED ::1:6379', 'ECONNREFUSED')], '')],
      ['a wrapped cause', new Error('lookup failed', { cause: pgError('getaddrinfo EAI_AGAIN db', 'EAI_AGAIN') })],
    ];

    it.each(outages)('%s is 503 SERVICE_UNAVAILABLE without the driver message', (_label, err) => {
      const p = toProblem(err);
      expect(p).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', title: 'Service Unavailable' });
      expect(p.detail).not.toMatch(/ECONN|EAI|10\.0\.0\.5|::1|terminat|Reached|Stream|sorry|starting/);
    });

    it('leaves errors Postgres answered (constraints, syntax) and plain bugs alone', () => {
      expect(toProblem(pgError('duplicate key value violates unique constraint', '23505'))).toMatchObject({ status: 500 });
      expect(toProblem(pgError('syntax error at or near "x"', '42601'))).toMatchObject({ status: 500 });
      expect(toProblem(new TypeError("Cannot read properties of undefined (reading 'id')"))).toMatchObject({ status: 500 });
    });

    it('a ServiceUnavailableError carries the state of each dependency', () => {
      const p = toProblem(new ServiceUnavailableError('Not ready: postgres is down', { postgres: { status: 'down' }, redis: { status: 'up' } }));
      expect(p).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', dependencies: { postgres: { status: 'down' }, redis: { status: 'up' } } });
    });

    it('every 503 answer says when to retry', () => {
      const headers: Record<string, string> = {};
      let status = 0;
      const res = {
        setHeader: (k: string, v: string) => { headers[k] = v; },
        status(s: number) { status = s; return this; },
        type() { return this; },
        send() { return this; },
      };
      sendProblem(res as never, toProblem(new Error('Connection is closed.')));
      expect(status).toBe(503);
      expect(headers['Retry-After']).toMatch(/^[1-9][0-9]*$/);
      sendProblem(res as never, toProblem(new DomainError(404, 'JOB_NOT_FOUND', 'x')));
      expect(status).toBe(404);
    });
  });
});
