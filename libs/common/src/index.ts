export * from './config';
export * from './errors';
export * from './ids';
export * from './http';
export * from './periodic-task';
