import { Controller, ExecutionContext, Get, Query } from '@nestjs/common';
import { lastValueFrom, of } from 'rxjs';
import { DomainError } from '../errors';
import { KnownQueryParamsInterceptor } from './known-query-params.interceptor';
import { PageQueryDto } from './page.query';

@Controller()
class Routes {
  @Get() none() {}
  @Get() paged(@Query() _page: PageQueryDto) {}
  @Get() named(@Query('limit') _limit: string) {}
  @Get() untyped(@Query() _query: Record<string, unknown>) {}
}

const call = async (handler: keyof Routes, query: Record<string, unknown>) => {
  const context = {
    getType: () => 'http',
    getClass: () => Routes,
    getHandler: () => Routes.prototype[handler],
    switchToHttp: () => ({ getRequest: () => ({ query }) }),
  } as unknown as ExecutionContext;
  return lastValueFrom(new KnownQueryParamsInterceptor().intercept(context, { handle: () => of('handled') }));
};

const refusal = async (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err);

describe('KnownQueryParamsInterceptor', () => {
  it('lets a handler have the parameters its query DTO declares', async () => {
    await expect(call('paged', { limit: '5', offset: '0' })).resolves.toBe('handled');
    await expect(call('none', {})).resolves.toBe('handled');
  });

  it('refuses the others, each named', async () => {
    const err = await refusal(call('paged', { limit: '5', lmit: '5', page: '2' }));
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', errors: [{ field: 'lmit' }, { field: 'page' }] });
    expect(await refusal(call('none', { limit: '5' }))).toMatchObject({
      status: 400, errors: [{ field: 'limit', message: 'is not a query parameter of this route (this route takes no query parameters)' }],
    });
  });

  it('fails loudly for a handler that reads the query without a DTO, even with no query given', async () => {
    for (const handler of ['named', 'untyped'] as const) {
      const err = await refusal(call(handler, {}));
      expect(err).not.toBeInstanceOf(DomainError);
      expect((err as Error).message).toBe(`Routes.${handler} reads the query without a query DTO: use @Query() q: SomeQueryDto`);
    }
  });
});
