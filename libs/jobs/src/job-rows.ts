import type { JobEntity, JobEventEntity, TaskEntity } from './entities';

export type { JobDelivery, JobEventKind } from './entities';

/** A row of `jobs` as the pg driver returns it (snake_case, Dates for timestamptz). */
export type JobRow = JobEntity;

export type TaskRow = TaskEntity;

/** A job event as the history and the streams read it. */
export type JobEventRow = Omit<JobEventEntity, 'org_id' | 'dispatched'>;
