import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedQuery } from '@app/database';
import type { ListCursor } from '@app/common';
import type { ListJobsQueryDto, SortField } from './dto/list-jobs.query';
import { addJobFilters } from './job-filters.sql';
import { jobJsonSql } from './job-json.sql';

/** One job of a page: its id, its sort key as Postgres text, and the job as JSON text. */
export interface PageRow {
  id: string;
  _sort_key: string;
  job: string;
}

/** The org's filtered, sorted job list, a page at a time (GET /services/agent-jobs). */
@Injectable()
export class JobListRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * `q.limit + 1` rows (one more tells that there is a next page) after `cursor` (or from
   * `q.offset`), and the filter's total: counted on the first page, carried in the cursor after.
   */
  async page(orgId: string, q: ListJobsQueryDto, cursor: ListCursor<SortField> | undefined): Promise<{ rows: PageRow[]; total: number }> {
    const where: string[] = ['org_id = $1'];
    const params: unknown[] = [orgId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    const { field, direction } = q.sort;
    const statuses = q.status ? [...new Set(q.status)] : undefined;
    // Several statuses sorted by created_at: one ordered, limited scan of
    // jobs_org_status_created_idx per status, merged. Filtering a walk of the org's
    // created_at index instead reads the rest of that index once the matches run out
    // (the last page of "WAITING,SCHEDULED,RUNNING" over 1M jobs: seconds).
    const perStatus = statuses && statuses.length > 1 && field === 'created_at' ? statuses : null;
    if (statuses?.length === 1) add('status = ?', statuses[0]);
    else if (statuses && !perStatus) add('status = ANY(?)', statuses);
    addJobFilters(q, where, params);

    const filterSql = where.join(' AND ') + (perStatus ? ` AND status = ANY($${params.length + 1})` : '');
    const filterParams = perStatus ? [...params, perStatus] : [...params];
    const cmp = direction === 'desc' ? '<' : '>';
    if (cursor) {
      params.push(cursor.v, cursor.id);
      where.push(`(${field}, id) ${cmp} ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    const order = `${field} ${direction}, id ${direction}`;
    let source = 'jobs';
    if (perStatus) {
      params.push(q.limit + 1 + (cursor ? 0 : q.offset));
      const branchLimit = `$${params.length}`;
      const branches = perStatus.map((status) => {
        params.push(status);
        return `(SELECT * FROM jobs WHERE ${where.join(' AND ')} AND status = $${params.length} ORDER BY ${order} LIMIT ${branchLimit})`;
      });
      source = `(${branches.join(' UNION ALL ')}) u`;
    }
    params.push(cursor ? 0 : q.offset);
    // LIMIT written into the text (a validated integer, 1-100: a handful of statements): with it
    // as a parameter Postgres plans every page anew; with it in the text it settles on the
    // prepared plan for status filters (0.3 ms less a page; created_at pages are still planned).
    const limit = Math.trunc(q.limit) + 1;
    // One round trip (a prepared statement) for the page with its tasks and subjobs, each job as JSON text; on the
    // first page the total is counted at the same time (and then carried in the cursor, so deep pages stay cheap).
    // The sort key goes out as Postgres text: microseconds survive the round trip, a JS Date would cut them.
    const [rows, total]: [PageRow[], number] = await Promise.all([
      preparedQuery<PageRow>(
        this.db,
        `SELECT p.id, p._sort_key, ${jobJsonSql('p')}::text AS job FROM (
           SELECT *, ${field}::text AS _sort_key FROM ${source} ${perStatus ? '' : `WHERE ${where.join(' AND ')}`}
           ORDER BY ${order}
           LIMIT ${limit} OFFSET $${params.length}
         ) p
         ORDER BY p.${field} ${direction}, p.id ${direction}`,
        params,
      ),
      cursor ? cursor.t : this.total(orgId, q, statuses, filterSql, filterParams),
    ]);
    return { rows, total };
  }

  /**
   * The filter's total for a first page. Filters on status / job_type_id / channel_code only:
   * exact, summed from the `job_counts` rows of the org (kept in the same transactions as the
   * jobs, migration JobCounts). Any time-range filter: count(*) over the matching jobs.
   */
  private async total(orgId: string, q: ListJobsQueryDto, statuses: string[] | undefined, filterSql: string, filterParams: unknown[]): Promise<number> {
    const timeFiltered = [q.scheduled_at, q.scheduled_at_gte, q.scheduled_at_lte, q.created_at_gte, q.created_at_lte].some((v) => v !== undefined);
    // '' would match the counters of jobs without a channel (NULL, counted as ''), never a job.
    if (timeFiltered || q.channel_code === '') {
      return Number((await this.db.query(`SELECT count(*) AS n FROM jobs WHERE ${filterSql}`, filterParams))[0].n);
    }
    const where = ['org_id = $1'];
    const params: unknown[] = [orgId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (statuses) add('status = ANY(?)', statuses);
    if (q.job_type_id !== undefined) add('job_type_id = ?', q.job_type_id);
    if (q.channel_code !== undefined) add('channel_code = ?', q.channel_code);
    const sql = `SELECT coalesce(sum(n), 0) AS n FROM job_counts WHERE ${where.join(' AND ')}`;
    return Number((await preparedQuery<{ n: string }>(this.db, sql, params))[0].n);
  }
}
