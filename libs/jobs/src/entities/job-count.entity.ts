import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * `job_counts`: the number of an org's jobs per (job type, channel, status), split in writer
 * shards (summed on read). Written only by the triggers on `jobs` (migration JobCounts), read by
 * JobListRepository for the first page's `meta.total`. NULL channel_code is counted as ''.
 */
@Entity('job_counts')
export class JobCountEntity {
  @PrimaryColumn('text') org_id: string;
  @PrimaryColumn('text') job_type_id: string;
  @PrimaryColumn('text') channel_code: string;
  @PrimaryColumn('text') status: string;
  @PrimaryColumn('smallint') shard: number;
  /** bigint: the pg driver gives it as a string; may be negative in one shard (a job counted in by one writer, out by another). */
  @Column('bigint', { default: 0 }) n: string;
}
