export * from './execution/in-flight-tasks';
export * from './execution/reconciler.service';
export * from './execution/task-runner.service';
export * from './job-rows';
export * from './job-status';
export * from './job-transitions.repository';
export * from './jobs.module';
export * from './jobs-http.module';
