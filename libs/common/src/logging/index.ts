export * from './log-context';
export * from './logging.module';
export * from './request-logging';
export * from './root-logger';
export * from './secret-mask';
