import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `workers`: one row per worker process, beaten every WORKER_HEARTBEAT_MS (migration WorkerLiveness). */
@Entity('workers')
export class WorkerEntity {
  @PrimaryColumn('text') id: string;
  @Column('text') host: string;
  @Column('integer') pid: number;
  @Column('timestamptz', { default: () => 'now()' }) started_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) heartbeat_at: Date;
  @Column('timestamptz', { nullable: true }) stopped_at: Date | null;
}
