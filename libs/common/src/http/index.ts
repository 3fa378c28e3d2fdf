export * from './envelope';
export * from './known-query-params.interceptor';
export * from './list-paging';
export * from './page.query';
export * from './query-param';
export * from './signed-cursors';
export * from './validation.pipe';
export * from './route-template';
