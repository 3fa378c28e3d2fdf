import { Injectable } from '@nestjs/common';
import { SignedCursors } from '@app/common';
import { ownedOrThrow } from '@app/database';
import { ListJobsQueryDto, openListCursor, signListCursor } from './dto/list-jobs.query';
import { JobListRepository } from './job-list.repository';
import type { JobRow } from './job-rows';
import { eventView } from './job-view';
import { JobsReadRepository } from './jobs-read.repository';
import { jsonEnvelope } from './json-envelope';

/** Reads jobs: one job with its tasks, the filtered/paged list, the event history. */
@Injectable()
export class JobsQueryService {
  constructor(
    private readonly reads: JobsReadRepository,
    private readonly lists: JobListRepository,
    private readonly cursors: SignedCursors,
  ) {}

  /** 404 when unknown, 403 when it belongs to another org (the spec's rule for every record). */
  async getOwned(orgId: string, jobId: string): Promise<JobRow> {
    return ownedOrThrow(await this.reads.lookup(orgId, jobId), 'JOB_NOT_FOUND', `Job '${jobId}'`);
  }

  /** The job with its tasks and subjob ids as JSON text, in one round trip. */
  async getJson(orgId: string, jobId: string): Promise<string> {
    return ownedOrThrow(await this.reads.jsonLookup(orgId, jobId), 'JOB_NOT_FOUND', `Job '${jobId}'`).job;
  }

  async events(orgId: string, jobId: string) {
    await this.getOwned(orgId, jobId);
    return (await this.reads.events(orgId, jobId)).map(eventView);
  }

  /** The page as the response body: JSON text with the jobs as Postgres built them. */
  async list(orgId: string, q: ListJobsQueryDto): Promise<string> {
    const cursor = q.cursor ? openListCursor(this.cursors, orgId, q) : undefined;
    const { rows, total } = await this.lists.page(orgId, q, cursor);
    const { field, direction } = q.sort;
    const hasMore = rows.length > q.limit;
    const page = hasMore ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    const nextCursor = hasMore && last
      ? signListCursor(this.cursors, orgId, { v: last._sort_key, id: last.id, f: field, d: direction, t: total })
      : null;
    const meta = { org_id: orgId, limit: q.limit, offset: cursor ? 0 : q.offset, total, sort: [{ field, direction }], next_cursor: nextCursor };
    return jsonEnvelope(`[${page.map((r) => r.job).join(',')}]`, meta);
  }
}
