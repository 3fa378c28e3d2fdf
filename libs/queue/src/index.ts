export * from './queue-names';
export * from './queue.module';
export * from './redis-connection';
export * from './task-queue';
export * from './job-abort.bus';
export * from './delivery-queues';
export * from './draining-processor';
export * from './redis-epoch';
