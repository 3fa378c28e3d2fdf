export * from './schedules.module';
export * from './schedules-http.module';
export * from './schedules-worker.module';
