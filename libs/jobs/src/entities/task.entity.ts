import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ToolCallRecord, Usage } from '@app/job-types';
import type { JobError, TaskKind, TaskStatus } from '../job-status';

/** `tasks`: one agent call of a job (the first, a retry, a follow-up). Migrations InitialSchema, WorkerLiveness, JobUsageAndSessions. */
@Entity('tasks')
export class TaskEntity {
  @PrimaryColumn('text') id: string;
  @Column('text') job_id: string;
  @Column('text') org_id: string;
  @Column('text') kind: TaskKind;
  @Column('integer') attempt: number;
  @Column('text') status: TaskStatus;
  @Column('timestamptz') run_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { nullable: true }) started_at: Date | null;
  @Column('timestamptz', { nullable: true }) finished_at: Date | null;
  /** Only set by workers from before `workers` existed (a rolling upgrade); see task-recovery. */
  @Column('timestamptz', { nullable: true }) lease_expires_at: Date | null;
  @Column('boolean', { default: false }) awaiting_callback: boolean;
  @Column('jsonb', { nullable: true }) result: unknown;
  @Column('jsonb', { nullable: true }) error: JobError | null;
  /** How many times the task was claimed: the fence a claim's later writes carry. */
  @Column('integer', { default: 0 }) claims: number;
  /** The worker that claimed it while RUNNING (see WorkerHeartbeat). */
  @Column('text', { nullable: true }) worker_id: string | null;
  /** What the agent said it spent on this task (zeros, [] and 0 when it said nothing). */
  @Column('jsonb', { default: () => `'{"total": 0, "prompt": 0, "completion": 0}'` }) usage: Usage;
  @Column('jsonb', { default: () => "'[]'" }) tool_calls: ToolCallRecord[];
  @Column('integer', { default: 0 }) iterations: number;
}
