import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Executor } from './executor';
import type { JobConfig } from './job-config';

@Entity('job_types')
export class JobTypeEntity {
  @PrimaryColumn('text') org_id: string;
  @PrimaryColumn('text') id: string;
  @Column('text') name: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('jsonb') executor: Executor;
  @Column('jsonb', { nullable: true }) params_schema: object | null;
  @Column('jsonb', { nullable: true }) output_schema: object | null;
  @Column('jsonb', { default: () => "'{}'" }) default_config: Partial<JobConfig>;
  /** Sealed (JobTypeSecrets); a plain `whsec_` value is one written before sealing, sealed at the next start. */
  @Column('text') signing_secret: string;
  /** The secret a rotation replaced: it keeps signing until signing_secret_previous_expires_at. */
  @Column('text', { nullable: true }) signing_secret_previous: string | null;
  @Column('timestamptz', { nullable: true }) signing_secret_previous_expires_at: Date | null;
  /** An openai executor's api_key, sealed (JobTypeSecrets); never in `executor`, never returned. */
  @Column('text', { nullable: true }) api_key: string | null;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) updated_at: Date;
}

export const jobTypeView = (t: JobTypeEntity) => ({
  id: t.id,
  org_id: t.org_id,
  name: t.name,
  description: t.description,
  // An openai executor's key is write-only: the view says whether one is stored.
  executor: t.executor.type === 'openai' ? { ...t.executor, api_key_set: t.api_key !== null } : t.executor,
  params_schema: t.params_schema,
  output_schema: t.output_schema,
  default_config: t.default_config,
  created_at: t.created_at.toISOString(),
  updated_at: t.updated_at.toISOString(),
});
