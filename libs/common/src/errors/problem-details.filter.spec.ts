import { BadRequestException, NotFoundException } from '@nestjs/common';
import { DomainError } from './domain-error';
import { toProblem } from './problem-details.filter';

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
});
