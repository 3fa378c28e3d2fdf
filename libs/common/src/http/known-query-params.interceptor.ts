import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { PARAMTYPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { getMetadataStorage } from 'class-validator';
import type { Request } from 'express';
import { validationFailed } from '../errors';

type Handler = (...args: unknown[]) => unknown;

/** The parameter names a query DTO declares: the properties class-validator whitelists. */
function dtoParams(dto: Function): string[] {
  return getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((m) => m.propertyName);
}

/**
 * The query parameters a handler declares: the properties of its query DTO (`@Query() q:
 * SomeQueryDto`), or none. A handler that reads the query any other way (`@Query('name')`, an
 * untyped `@Query()`) is a programming error, refused on its first request so no test misses it.
 */
function declaredParams(controller: Function, handler: Handler): ReadonlySet<string> {
  const args: Record<string, { index: number; data?: unknown }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {};
  const types: unknown[] = Reflect.getMetadata(PARAMTYPES_METADATA, controller.prototype, handler.name) ?? [];
  const names = new Set<string>();
  for (const [key, arg] of Object.entries(args)) {
    if (key.split(':')[0] !== String(RouteParamtypes.QUERY)) continue;
    const dto = types[arg.index];
    const params = arg.data === undefined && typeof dto === 'function' ? dtoParams(dto) : [];
    if (!params.length) {
      throw new Error(`${controller.name}.${handler.name} reads the query without a query DTO: use @Query() q: SomeQueryDto`);
    }
    params.forEach((p) => names.add(p));
  }
  return names;
}

/** The 400 for query parameters a route does not take, each named (`declared`: the ones it takes). */
export function unknownQueryParams(unknown: string[], declared: ReadonlySet<string>) {
  const takes = declared.size ? `this route takes ${[...declared].join(', ')}` : 'this route takes no query parameters';
  return validationFailed(
    unknown.map((field) => ({ field, message: `is not a query parameter of this route (${takes})` })),
    `Unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
  );
}

/**
 * Every route answers 400 for a query parameter it does not declare, naming it. Runs after the
 * guards and before the pipes: before the body is validated and before anything is looked up.
 * Values are then checked by the DTO through the global validation pipe.
 */
@Injectable()
export class KnownQueryParamsInterceptor implements NestInterceptor {
  private readonly declared = new WeakMap<Handler, ReadonlySet<string>>();

  intercept(context: ExecutionContext, next: CallHandler) {
    if (context.getType() !== 'http') return next.handle();
    const handler = context.getHandler() as Handler;
    let names = this.declared.get(handler);
    if (!names) {
      names = declaredParams(context.getClass(), handler);
      this.declared.set(handler, names);
    }
    const query = context.switchToHttp().getRequest<Request>().query ?? {};
    const unknown = Object.keys(query).filter((name) => !names.has(name));
    if (unknown.length) throw unknownQueryParams(unknown, names);
    return next.handle();
  }
}
