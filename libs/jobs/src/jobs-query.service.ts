import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { forbidden, notFound } from '@app/common';
import { encodeCursor, ListJobsQuery } from './dto/list-jobs.query';
import type { JobEventRow, JobRow, TaskRow } from './job-rows';
import { eventView, jobView } from './job-view';

/** Reads jobs: one job with its tasks, the filtered/paged list, the event history. */
@Injectable()
export class JobsQueryService {
  constructor(private readonly db: DataSource) {}

  /** 404 when unknown, 403 when it belongs to another org (the spec's rule for every record). */
  async getOwned(orgId: string, jobId: string): Promise<JobRow> {
    const [job] = await this.db.query(`SELECT * FROM jobs WHERE id = $1`, [jobId]);
    if (!job) throw notFound('JOB_NOT_FOUND', `Job '${jobId}' not found`);
    if (job.org_id !== orgId) throw forbidden('FORBIDDEN', `Job '${jobId}' belongs to another org`);
    return job;
  }

  async get(orgId: string, jobId: string) {
    const job = await this.getOwned(orgId, jobId);
    const [withTasks] = await this.hydrate([job]);
    return withTasks;
  }

  async events(orgId: string, jobId: string) {
    await this.getOwned(orgId, jobId);
    const rows: JobEventRow[] = await this.db.query(
      `SELECT id, job_id, from_status, to_status, at, actor, reason, task_id FROM job_events WHERE job_id = $1 ORDER BY id`,
      [jobId],
    );
    return rows.map(eventView);
  }

  async list(orgId: string, q: ListJobsQuery) {
    const where: string[] = ['org_id = $1'];
    const params: unknown[] = [orgId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.statuses?.length === 1) add('status = ?', q.statuses[0]);
    else if (q.statuses) add('status = ANY(?)', q.statuses);
    if (q.scheduledAt) add('scheduled_at = ?', q.scheduledAt);
    if (q.scheduledAtGte) add('scheduled_at >= ?', q.scheduledAtGte);
    if (q.scheduledAtLte) add('scheduled_at <= ?', q.scheduledAtLte);
    if (q.createdAtGte) add('created_at >= ?', q.createdAtGte);
    if (q.createdAtLte) add('created_at <= ?', q.createdAtLte);
    if (q.jobTypeId !== undefined) add('job_type_id = ?', q.jobTypeId);
    if (q.channelCode !== undefined) add('channel_code = ?', q.channelCode);

    const filterSql = where.join(' AND ');
    const filterParams = [...params];
    const { field, direction } = q.sort;
    const cmp = direction === 'desc' ? '<' : '>';
    if (q.cursor) {
      params.push(q.cursor.v, q.cursor.id);
      where.push(`(${field}, id) ${cmp} ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(q.limit + 1, q.cursor ? 0 : q.offset);
    // The sort key goes out as Postgres text: microseconds survive the round trip, a JS Date would cut them.
    const rows: Array<JobRow & { _sort_key: string }> = await this.db.query(
      `SELECT *, ${field}::text AS _sort_key FROM jobs WHERE ${where.join(' AND ')}
       ORDER BY ${field} ${direction}, id ${direction}
       LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    // The total is counted for the first page and carried in the cursor, so deep pages stay cheap.
    const total = q.cursor
      ? q.cursor.t
      : Number((await this.db.query(`SELECT count(*) AS n FROM jobs WHERE ${filterSql}`, filterParams))[0].n);
    const hasMore = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const nextCursor = hasMore && last
      ? encodeCursor({ v: last._sort_key, id: last.id, f: field, d: direction, t: total })
      : null;
    return {
      data: await this.hydrate(page.map(({ _sort_key: _, ...job }) => job)),
      meta: { org_id: orgId, limit: q.limit, offset: q.cursor ? 0 : q.offset, total, sort: [{ field, direction }], next_cursor: nextCursor },
    };
  }

  /** Adds tasks and subjob ids to jobs, two queries for the whole page. */
  private async hydrate(jobs: JobRow[]) {
    if (!jobs.length) return [];
    const ids = jobs.map((j) => j.id);
    const [tasks, subjobs]: [TaskRow[], Array<{ id: string; parent_job_id: string }>] = await Promise.all([
      this.db.query(`SELECT * FROM tasks WHERE job_id = ANY($1) ORDER BY created_at, id`, [ids]),
      this.db.query(`SELECT id, parent_job_id FROM jobs WHERE parent_job_id = ANY($1) ORDER BY created_at, id`, [ids]),
    ]);
    return jobs.map((j) =>
      jobView(j, tasks.filter((t) => t.job_id === j.id), subjobs.filter((s) => s.parent_job_id === j.id).map((s) => s.id)),
    );
  }
}
