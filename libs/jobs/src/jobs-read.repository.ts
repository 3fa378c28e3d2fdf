import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OrgLookup, orgLookup, preparedQuery } from '@app/database';
import type { JobConfig } from '@app/job-types';
import { jobJsonSql } from './job-json.sql';
import type { JobEventRow, JobRow, TaskRow } from './job-rows';
import { ACTIVE_STATUSES, JobStatus, TaskKind, TaskStatus } from './job-status';

/** A task and its job, as the result route needs them to apply an agent's late answer. */
export interface ResultTarget {
  id: string;
  kind: TaskKind;
  attempt: number;
  claims: number;
  task_status: TaskStatus;
  job_id: string;
  org_id: string;
  job_status: JobStatus;
  config: JobConfig;
  follow_ups: number;
  job_type_id: string;
  session_id: string | null;
  params: Record<string, unknown>;
}

/** Reads of one job, its tasks and its events, each for an org. */
@Injectable()
export class JobsReadRepository {
  constructor(private readonly db: DataSource) {}

  async lookup(orgId: string, jobId: string): Promise<OrgLookup<JobRow>> {
    const [job] = await this.db.query(`SELECT * FROM jobs WHERE id = $1`, [jobId]);
    return orgLookup(orgId, job);
  }

  /** The job with its tasks and subjob ids as JSON text (job-json.sql.ts), in one round trip. */
  async jsonLookup(orgId: string, jobId: string): Promise<OrgLookup<{ org_id: string; job: string }>> {
    const [row] = await preparedQuery<{ org_id: string; job: string }>(
      this.db, `SELECT j.org_id, ${jobJsonSql('j')}::text AS job FROM jobs j WHERE j.id = $1`, [jobId],
    );
    return orgLookup(orgId, row);
  }

  /** The events of the org's job, oldest first (none when the job is another org's). */
  events(orgId: string, jobId: string): Promise<JobEventRow[]> {
    // The org through the job's primary key, so job_events is read along (job_id, id) and never along (org_id, id).
    return this.db.query(
      `SELECT id, job_id, kind, from_status, to_status, at, actor, reason, task_id FROM job_events
       WHERE job_id = (SELECT id FROM jobs WHERE id = $1 AND org_id = $2) ORDER BY id`,
      [jobId, orgId],
    );
  }

  /** The job's tasks other than `currentTaskId`, oldest first (what an agent is told of earlier attempts). */
  previousTasks(orgId: string, jobId: string, currentTaskId: string): Promise<TaskRow[]> {
    return this.db.query(
      `SELECT * FROM tasks WHERE job_id = $1 AND org_id = $2 AND id <> $3 ORDER BY created_at, id`,
      [jobId, orgId, currentTaskId],
    );
  }

  /** Task `taskId` of the org's job `jobId`, with what applying its result needs of the job. */
  async resultTarget(orgId: string, jobId: string, taskId: string): Promise<ResultTarget | null> {
    const [row] = await this.db.query(
      `SELECT t.id, t.kind, t.attempt, t.claims, t.status AS task_status, j.id AS job_id, j.org_id, j.status AS job_status,
              j.config, j.follow_ups, j.job_type_id, j.session_id, j.params
       FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE t.id = $1 AND j.id = $2 AND j.org_id = $3`,
      [taskId, jobId, orgId],
    );
    return row ?? null;
  }

  /** Whether the org has jobs of this type that are not finished. */
  async hasActiveOfType(orgId: string, jobTypeId: string): Promise<boolean> {
    const [{ busy }] = await this.db.query(
      `SELECT EXISTS (SELECT 1 FROM jobs WHERE org_id = $1 AND job_type_id = $2 AND status = ANY($3)) AS busy`,
      [orgId, jobTypeId, ACTIVE_STATUSES],
    );
    return busy;
  }
}
