export * from './database.module';
export * from './data-source-options';
export * from './ensure-database';
export * from './run-migrations';
export * from './prepared-query';
export * from './statement-batcher';
export * from './org-lookup';
export * from './ordered-walk';
