export * from './cron-schedule';
export * from './fire-plan';
export * from './schedule-clock';
export * from './schedule-firing.service';
export * from './schedule-row';
export * from './schedules.module';
export * from './schedules-http.module';
export * from './schedules-worker.module';
