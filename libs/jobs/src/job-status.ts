export const JOB_STATUSES = ['WAITING', 'SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELED'];
export const ACTIVE_STATUSES: readonly JobStatus[] = ['WAITING', 'SCHEDULED', 'RUNNING'];

export type TaskKind = 'initial' | 'retry' | 'follow_up';
export type TaskStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';

export interface JobError {
  code: string;
  message: string;
}
