import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { JobCountEntity } from './job-count.entity';
import { JobEventEntity } from './job-event.entity';
import { JobEntity } from './job.entity';
import { TaskEntity } from './task.entity';
import { WorkerEntity } from './worker.entity';

export { IdempotencyKeyEntity, JobCountEntity, JobEntity, JobEventEntity, TaskEntity, WorkerEntity };
export type { JobDelivery } from './job.entity';
export type { JobEventKind } from './job-event.entity';

/** The tables this library owns (docs/decisions.md "Table ownership"). */
export const JOBS_ENTITIES = [JobEntity, TaskEntity, JobEventEntity, IdempotencyKeyEntity, WorkerEntity, JobCountEntity];
