import { integer, QueryParam } from './query-param';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;
export const MAX_PAGE_OFFSET = 1_000_000;

/** `limit` and `offset` of every list; a list with more parameters extends it. */
export class PageQueryDto {
  @QueryParam(integer(1, MAX_PAGE_LIMIT), { default: DEFAULT_PAGE_LIMIT }) limit: number = DEFAULT_PAGE_LIMIT;
  @QueryParam(integer(0, MAX_PAGE_OFFSET), { default: 0 }) offset: number = 0;
}
