import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JobConfig, Usage } from '@app/job-types';
import type { JobError, JobStatus } from '../job-status';

/** Outcome of delivering a job's results to its target_channel: a projection of its channel posts (libs/channels). */
export interface JobDelivery {
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  platform: string;
  channel: string;
  /** Slack ts of the job's first post. */
  ts: string | null;
  attempts: number;
  error: JobError | null;
}

/** `jobs` (migrations InitialSchema, DeliverySchema, JobUsageAndSessions). Its statements are hand-written SQL in this library's repositories. */
@Entity('jobs')
export class JobEntity {
  @PrimaryColumn('text') id: string;
  @Column('text') org_id: string;
  @Column('text') job_type_id: string;
  @Column('text') status: JobStatus;
  @Column('text', { nullable: true }) channel_code: string | null;
  @Column('jsonb') target_channel: Record<string, unknown>;
  @Column('jsonb', { default: () => "'{}'" }) params: Record<string, unknown>;
  @Column('jsonb') config: JobConfig;
  @Column('jsonb', { nullable: true }) metadata: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) result: unknown;
  @Column('jsonb', { nullable: true }) error: JobError | null;
  @Column('timestamptz') scheduled_at: Date;
  @Column('timestamptz', { nullable: true }) started_at: Date | null;
  @Column('timestamptz', { nullable: true }) completed_at: Date | null;
  /** Set by the first claim: started_at + config.max_time_to_complete. */
  @Column('timestamptz', { nullable: true }) deadline_at: Date | null;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) updated_at: Date;
  @Column('text', { nullable: true }) parent_job_id: string | null;
  @Column('text', { nullable: true }) callback_url: string | null;
  @Column('jsonb', { nullable: true }) observers: unknown[] | null;
  @Column('integer', { default: 0 }) follow_ups: number;
  @Column('text', { nullable: true }) created_by: string | null;
  @Column('text', { nullable: true }) cancel_reason: string | null;
  @Column('text', { nullable: true }) canceled_by: string | null;
  @Column('timestamptz', { nullable: true }) canceled_at: Date | null;
  /** Written by libs/channels' outbox fragments (docs/decisions.md "Table ownership"); null before the first post. */
  @Column('jsonb', { nullable: true }) delivery: JobDelivery | null;
  /** The sum of its tasks' usage and iterations, added by each task's finish. */
  @Column('jsonb', { default: () => `'{"total": 0, "prompt": 0, "completion": 0}'` }) usage: Usage;
  @Column('integer', { default: 0 }) iterations: number;
  /** The session it runs in (no foreign key: the session may be swept while the job stays). */
  @Column('text', { nullable: true }) session_id: string | null;
}
