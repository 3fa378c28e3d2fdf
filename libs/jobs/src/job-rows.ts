import type { JobConfig } from '@app/job-types';
import type { JobError, JobStatus, TaskKind, TaskStatus } from './job-status';

/** A row of `jobs` as the pg driver returns it (snake_case, Dates for timestamptz). */
export interface JobRow {
  id: string;
  org_id: string;
  job_type_id: string;
  status: JobStatus;
  channel_code: string | null;
  target_channel: Record<string, unknown>;
  params: Record<string, unknown>;
  config: JobConfig;
  metadata: Record<string, unknown> | null;
  result: unknown;
  error: JobError | null;
  scheduled_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  deadline_at: Date | null;
  created_at: Date;
  updated_at: Date;
  parent_job_id: string | null;
  callback_url: string | null;
  observers: unknown[] | null;
  follow_ups: number;
  created_by: string | null;
  cancel_reason: string | null;
  canceled_by: string | null;
  canceled_at: Date | null;
  /** Outcome of delivering the results to target_channel (set by the channel-post worker), null before. */
  delivery: JobDelivery | null;
}

export interface JobDelivery {
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  platform: string;
  channel: string;
  /** Slack ts of the job's first post. */
  ts: string | null;
  attempts: number;
  error: JobError | null;
}

export interface TaskRow {
  id: string;
  job_id: string;
  org_id: string;
  kind: TaskKind;
  attempt: number;
  status: TaskStatus;
  run_at: Date;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  /** Only set by workers from before `workers` existed (a rolling upgrade); see task-recovery. */
  lease_expires_at: Date | null;
  awaiting_callback: boolean;
  /** How many times the task was claimed: the fence a claim's later writes carry. */
  claims: number;
  /** The worker that claimed it while RUNNING (see WorkerHeartbeat). */
  worker_id: string | null;
  result: unknown;
  error: JobError | null;
}

export type JobEventKind = 'transition' | 'delivery';

export interface JobEventRow {
  id: string;
  job_id: string;
  kind: JobEventKind;
  from_status: JobStatus | null;
  to_status: JobStatus;
  at: Date;
  actor: string;
  reason: string | null;
  task_id: string | null;
}
