import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `schedules`: a recurring job (migration DeliverySchema). */
@Entity('schedules')
export class ScheduleEntity {
  @PrimaryColumn('text') id: string;
  @Column('text') org_id: string;
  @Column('text', { nullable: true }) name: string | null;
  @Column('text') cron: string;
  @Column('text') timezone: string;
  /** The create-job body every fire uses (validated like POST /services/agent-jobs). */
  @Column('jsonb') job: Record<string, unknown>;
  @Column('boolean', { default: true }) enabled: boolean;
  /** Null while paused. */
  @Column('timestamptz', { nullable: true }) next_run_at: Date | null;
  @Column('timestamptz', { nullable: true }) last_run_at: Date | null;
  @Column('text', { nullable: true }) last_job_id: string | null;
  @Column('text', { nullable: true }) created_by: string | null;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) updated_at: Date;
}
