import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { PageQueryDto } from './page.query';
import { isoDateTime, QueryParam } from './query-param';

/** What the global pipe does with a query: build the DTO from Express's query object, validate it. */
function read<T extends object>(cls: new () => T, query: Record<string, unknown>) {
  const dto = plainToInstance(cls, Object.assign(Object.create(null), query));
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  return { dto, errors: errors.map((e) => [e.property, Object.values(e.constraints ?? {})]) };
}

class DatesDto {
  @QueryParam(isoDateTime) since?: Date;
}

describe('query DTOs', () => {
  it('keep their defaults when a parameter is absent and parse the ones given', () => {
    expect(read(PageQueryDto, {})).toEqual({ dto: expect.objectContaining({ limit: 20, offset: 0 }), errors: [] });
    expect(read(PageQueryDto, { limit: '100', offset: '7' }).dto).toEqual(expect.objectContaining({ limit: 100, offset: 7 }));
  });

  it('give one message per bad parameter, "given once" for a repeated one', () => {
    expect(read(PageQueryDto, { limit: ['1', '2'], offset: '-1' }).errors).toEqual([
      ['limit', ['must be given once']],
      ['offset', ['must be an integer from 0 to 1000000']],
    ]);
    for (const bad of ['0', '101', 'abc', '1.5', '1e2', '', ' 5']) {
      expect(read(PageQueryDto, { limit: bad }).errors).toEqual([['limit', ['must be an integer from 1 to 100']]]);
    }
  });

  it('refuse dates that do not exist or are not ISO 8601', () => {
    expect(read(DatesDto, { since: '2024-02-29T10:00:00Z' }).dto.since).toEqual(new Date('2024-02-29T10:00:00Z'));
    for (const bad of ['2024-02-30', '2023-02-29T00:00:00Z', 'yesterday', '2024-13-01', '1700000000']) {
      expect(read(DatesDto, { since: bad }).errors).toEqual([['since', ['must be an ISO 8601 date-time']]]);
    }
  });
});
