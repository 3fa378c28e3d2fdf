export * from './envelope';
export * from './known-query-params.interceptor';
export * from './list-paging';
export * from './page.query';
export * from './query-param';
export * from './signed-cursors';
export * from './sse-response';
export * from './validation.pipe';
