export * from './config';
export * from './errors';
export * from './ids';
export * from './http';
export * from './openapi';
export * from './periodic-task';
