import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `schedule_runs`: one per fire time taken, whatever its outcome (migrations DeliverySchema, ScheduleRunOutcome, ScheduleRunRetry). */
@Entity('schedule_runs')
export class ScheduleRunEntity {
  @PrimaryColumn('text') schedule_id: string;
  @PrimaryColumn('timestamptz') fire_at: Date;
  @Column('text', { nullable: true }) job_id: string | null;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  /** Why no job was created (e.g. its job type was deleted; the schedule still advances). */
  @Column('jsonb', { nullable: true }) error: { code: string; message: string; errors?: unknown } | null;
  /** Taken late, under the missed-fire policy. */
  @Column('boolean', { default: false }) catch_up: boolean;
  /** Set while the job is not created yet: when a worker may take the fire over. */
  @Column('timestamptz', { nullable: true }) retry_at: Date | null;
}
