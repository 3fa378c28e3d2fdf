export * from './observers.module';
export * from './observers-http.module';
export * from './observers-worker.module';
